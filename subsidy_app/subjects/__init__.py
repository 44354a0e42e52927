"""The parties a record is about — an organisation or a talent — and who may name them."""
