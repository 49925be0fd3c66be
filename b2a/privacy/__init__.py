"""Personal data: exporting and erasing one customer, erasing a whole tenant (SPEC §7)."""
