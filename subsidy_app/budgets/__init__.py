"""The dedicated budget (引进外国人才专项经费, 晋发〔2017〕47号 (二十)): a line per fiscal year
and program; finance approval reserves against it, payment spends it."""
