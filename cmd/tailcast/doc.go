// Command tailcast carries log lines from files to browsers through Kafka.
// It only parses the command line, runs it and exits; the work lives in
// internal/cli and the component packages.
//
//	tailcast <command> [flags] [arguments]
//
// `tailcast --help` lists the commands. SIGINT or SIGTERM cancels the running
// command, which shuts its components down in order before main returns; the
// exit status is 2 for a usage error, 1 for any other error, 0 otherwise.
package main
