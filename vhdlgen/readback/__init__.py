"""Vivado's timing read back: `vhdlgen timing` puts the paths of Vivado's reports beside the
delay model (`vhdlgen.timing`) and names the RTL registers behind them (`rtl_map`). A package
of its own: it reads the build (rtl, estimate's names) and the timing model, which both of
those import, so it cannot live inside `vhdlgen.timing`."""
