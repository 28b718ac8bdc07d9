// Module SubflowDaemon: see the files beside this one.
