import SubflowDaemon

SubflowdCommand.main()
