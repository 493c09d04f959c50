"""The unit of work per booking: its pass, its effect journal, owed announcements and the record's outcome."""
