// Module SubflowCore: see the files beside this one.
