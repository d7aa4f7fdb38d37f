from care.models.tickets import Ticket, TicketStatus

__all__ = ["Ticket", "TicketStatus"]
