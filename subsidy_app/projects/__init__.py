"""Provincial recruitment projects (省级重点/常规引才项目, 晋发〔2017〕47号 (六))."""
