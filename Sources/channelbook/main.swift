import ChannelbookCLI

await ChannelbookCommand.runAsMain()
