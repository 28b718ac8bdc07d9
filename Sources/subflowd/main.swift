import SubflowCommandLine

SubflowdCommand.mainQuotingInputSafely()
