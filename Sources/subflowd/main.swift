import SubflowDaemon

SubflowdCommand.mainQuotingInputSafely()
