import ChannelbookCLI
ChannelbookCommand.main()
