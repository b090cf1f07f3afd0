vhdlgen_pkg.vhd
vhdlgen_valid_pipe.vhd
tiny_conv_pkg.vhd
tiny_conv_conv.vhd
tiny_conv_fc.vhd
tiny_conv_out_n.vhd
tiny_conv.vhd
