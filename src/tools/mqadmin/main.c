/*
 * mqadmin: RocketMQ's administration command line for Ramjet clusters.
 *
 *   mqadmin                          lists the sub-commands
 *   mqadmin help <command>           prints one command's options
 *   mqadmin <command> [-n ns] ...    runs it (-n or $NAMESRV_ADDR names the name servers)
 *
 * Sub-command names, flags and output follow RocketMQ 4.9.8's mqadmin so
 * existing scripts keep working. Unlike it, every failure (bad flags,
 * unreachable servers, unknown topics or groups, refusals) prints a reason on
 * stderr and exits with status 1. $MQADMIN_LOG_LEVEL (debug, info, warn,
 * error) sends internal log lines to stderr; the default is silence.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "tools/mqadmin/mqadmin_cli.h"
#include "tools/mqadmin/mqadmin_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* In the order RocketMQ 4.9.8's MQAdminStartup registers them. */
static const rj_mqadmin_command_t *const commands[] = {
    &rj_mqadmin_cmd_update_topic,          &rj_mqadmin_cmd_delete_topic,
    &rj_mqadmin_cmd_update_sub_group,      &rj_mqadmin_cmd_delete_sub_group,
    &rj_mqadmin_cmd_update_broker_config,  &rj_mqadmin_cmd_topic_route,
    &rj_mqadmin_cmd_topic_status,          &rj_mqadmin_cmd_topic_cluster_list,
    &rj_mqadmin_cmd_broker_status,         &rj_mqadmin_cmd_query_msg_by_id,
    &rj_mqadmin_cmd_query_msg_by_key,      &rj_mqadmin_cmd_query_msg_by_unique_key,
    &rj_mqadmin_cmd_query_msg_by_offset,   &rj_mqadmin_cmd_print_msg,
    &rj_mqadmin_cmd_producer_connection,   &rj_mqadmin_cmd_consumer_connection,
    &rj_mqadmin_cmd_consumer_progress,     &rj_mqadmin_cmd_clone_group_offset,
    &rj_mqadmin_cmd_cluster_list,          &rj_mqadmin_cmd_topic_list,
    &rj_mqadmin_cmd_update_kv_config,      &rj_mqadmin_cmd_delete_kv_config,
    &rj_mqadmin_cmd_wipe_write_perm,       &rj_mqadmin_cmd_add_write_perm,
    &rj_mqadmin_cmd_reset_offset_by_time,  &rj_mqadmin_cmd_get_namesrv_config,
    &rj_mqadmin_cmd_update_namesrv_config, &rj_mqadmin_cmd_get_broker_config,
    &rj_mqadmin_cmd_send_message,          &rj_mqadmin_cmd_consume_message,
};

static const rj_mqadmin_command_t *
find_command(const char *name)
{
    for (size_t i = 0; i < RJ_ARRAY_SIZE(commands); i++) {
        if (strcasecmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

static void
print_commands(FILE *out)
{
    fprintf(out, "The most commonly used mqadmin commands are:\n");
    for (size_t i = 0; i < RJ_ARRAY_SIZE(commands); i++) {
        fprintf(out, "   %-20s %s\n", commands[i]->name, commands[i]->desc);
    }
    fprintf(out, "\nSee 'mqadmin help <command>' for more information on a specific command.\n");
}

static void
configure_logging(void)
{
    const char *level = getenv("MQADMIN_LOG_LEVEL");
    int parsed = level != NULL ? rj_log_level_parse(level) : -1;
    if (parsed < 0 || parsed == RJ_LOG_OFF) {
        rj_log_set_level(RJ_LOG_OFF);
        return;
    }
    rj_log_set_level((rj_log_level_t)parsed);
    rj_log_use_stderr();
}

/* Flushes stdout; a failed write (full disk, closed pipe) must not look like success. */
static int
finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mqadmin: writing the output failed\n");
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    configure_logging();
    if (argc < 2) {
        print_commands(stdout);
        return finish_output();
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        if (argc < 3) {
            print_commands(stdout);
            return finish_output();
        }
        const rj_mqadmin_command_t *cmd = find_command(argv[2]);
        if (cmd == NULL) {
            fprintf(stderr, "The sub command %s not exist.\n", argv[2]);
            return 1;
        }
        rj_mqadmin_cli_print_help(cmd, stdout);
        return finish_output();
    }
    const rj_mqadmin_command_t *cmd = find_command(argv[1]);
    if (cmd == NULL) {
        fprintf(stderr, "The sub command %s not exist.\n", argv[1]);
        print_commands(stderr);
        return 1;
    }

    rj_mqadmin_args_t args;
    char err[1024];
    if (rj_mqadmin_cli_parse(cmd, argc - 2, argv + 2, &args, err, sizeof(err)) != 0) {
        fprintf(stderr, "mqadmin %s: %s\n", cmd->name, err);
        rj_mqadmin_cli_print_help(cmd, stderr);
        return 1;
    }
    if (rj_mqadmin_cli_has(&args, 'h')) {
        rj_mqadmin_cli_print_help(cmd, stdout);
        return finish_output();
    }

    rj_mqadmin_ctx_t ctx;
    if (rj_mqadmin_ctx_init(&ctx, cmd, rj_mqadmin_cli_get(&args, 'n')) != 0) {
        fprintf(stderr, "mqadmin: out of memory\n");
        return 1;
    }
    int rc = cmd->run(&ctx, &args);
    int status = finish_output();
    if (rc == RJ_MQADMIN_USAGE) {
        fprintf(stderr, "mqadmin %s: %s\n", cmd->name, ctx.err);
        rj_mqadmin_cli_print_help(cmd, stderr);
        status = 1;
    } else if (rc != 0) {
        fprintf(stderr, "%s command failed: %s\n", cmd->name,
                ctx.err[0] != '\0' ? ctx.err : rj_strerror(rc));
        status = 1;
    }
    rj_mqadmin_ctx_cleanup(&ctx);
    return status;
}
