/* cli.h - the kairan command line (R0.1): init, serve, demo, migrate, org,
 * user, apikey, backup, restore ...  Every command has --help. */
#ifndef KR_CLI_H
#define KR_CLI_H

int cli_main(int argc, char **argv);

#endif
