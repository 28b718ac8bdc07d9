// Module MPTCPWire: see the files beside this one.
