// Module SubflowSystem: see the files beside this one.
