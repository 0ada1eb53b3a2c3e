#!/usr/bin/env node
// The `strom` command.
import { Command } from 'commander';
import { STROM_VERSION } from '../broker/broker.js';
import { start } from './start.js';
import { topicsCommand } from './topics.js';
import { consoleProducerCommand } from './console-producer.js';
import { consoleConsumerCommand } from './console-consumer.js';
import { consumerGroupsCommand } from './consumer-groups.js';
import { getOffsetsCommand } from './get-offsets.js';
import { configsCommand } from './configs.js';
import { perfCommand } from './perf.js';
import { aclsCommand } from './acls.js';
import { transactionsCommand } from './transactions.js';
import { leaderElectionCommand } from './leader-election.js';
import { reassignPartitionsCommand } from './reassign-partitions.js';
import { clusterCommand } from './cluster.js';

const program = new Command('strom')
  .description('Strom, a Kafka-compatible message broker')
  .version(STROM_VERSION);

program.command('start')
  .description('run a broker in the foreground (stops cleanly on SIGTERM or Ctrl-C)')
  .argument('[properties]', 'a server.properties-style file, as kafka-server-start.sh takes it')
  .option('-c, --config <file>', 'a server.properties-style file')
  .option('--override <key=value>', 'set a config key, over the file and environment (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .addHelpText('after', `
Examples:
  strom start                                   # localhost:9092, data in ./data
  strom start config/server.properties
  strom start --override listeners=PLAINTEXT://:19092 --override log.dirs=/var/lib/strom
  STROM_LOG_DIRS=/tmp/strom strom start          # environment: STROM_* or KAFKA_* (Docker style)`)
  .action(start);

program.addCommand(topicsCommand());
program.addCommand(consoleProducerCommand());
program.addCommand(consoleConsumerCommand());
program.addCommand(consumerGroupsCommand());
program.addCommand(getOffsetsCommand());
program.addCommand(configsCommand());
program.addCommand(aclsCommand());
program.addCommand(transactionsCommand());
program.addCommand(leaderElectionCommand());
program.addCommand(reassignPartitionsCommand());
program.addCommand(clusterCommand());
program.addCommand(perfCommand());

// Output piped into a reader that stopped (`strom topics --describe | head`): done, not a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

program.parseAsync().catch((e) => {
  process.stderr.write(`strom: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
