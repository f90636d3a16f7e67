"""A dealer-type app used only by the tenancy benchmark: one table, then one nullable column."""
