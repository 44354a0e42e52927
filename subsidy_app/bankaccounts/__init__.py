"""Where payees are paid: bank account changes of organisations and talents, under four eyes."""
