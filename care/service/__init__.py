"""The care team's side: tickets, surveys, recovery cases and goodwill coupons."""
