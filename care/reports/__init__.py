"""The care team's reports: arithmetic (pure), selectors (reads), chart geometry."""
