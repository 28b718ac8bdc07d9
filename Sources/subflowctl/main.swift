import ArgumentParser

SubflowctlCommand.main()
