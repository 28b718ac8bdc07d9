import ArgumentParser
import SubflowDaemon

SubflowctlCommand.mainQuotingInputSafely()
