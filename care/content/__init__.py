"""Message content: the template engine, SMS text arithmetic, email parts, content checks."""
