"""Credit lists (晋发〔2017〕47号 (十七)): the red list (诚信典型) and the black list (严重失信主体)."""
