// `strom get-offsets`: kafka.tools.GetOffsetShell — topic:partition:offset per partition,
// at --time -1 (latest, the default), -2 (earliest), -3 (max timestamp) or a time in ms.
import { Command } from 'commander';
import { listOffsets, EARLIEST, LATEST, MAX_TIMESTAMP } from '../client/admin.js';
import { action, connectionOptions, examples, intOption, out, printJson, UsageError, withCluster, type ConnectionFlags } from './common.js';

interface GetOffsetsFlags extends ConnectionFlags {
  topic?: string;
  partitions?: string;
  time: string;
  excludeInternalTopics?: boolean;
  json?: boolean;
}

export function getOffsetsCommand(): Command {
  const cmd = new Command('get-offsets')
    .alias('kafka.tools.GetOffsetShell')
    .alias('kafka-get-offsets')
    .description('offsets of a topic\'s partitions: latest, earliest or by time (GetOffsetShell)')
    .option('--topic <name>', 'the topic, or a regular expression (default: every topic)')
    .option('--partitions <list>', 'comma-separated partition ids (default: all)')
    .option('--time <time>', '-1 or latest, -2 or earliest, -3 or max-timestamp, or a timestamp in ms', '-1')
    .option('--exclude-internal-topics', 'leave out internal topics (__consumer_offsets)')
    .option('--json', 'print JSON');
  connectionOptions(cmd)
    .addHelpText('after', examples([
      'strom get-offsets --bootstrap-server localhost:9092 --topic test                 # latest: how many messages',
      'strom get-offsets --bootstrap-server localhost:9092 --topic test --time -2       # earliest',
      'strom get-offsets --bootstrap-server localhost:9092 --topic test --time 1700000000000 --partitions 0,1',
      'strom kafka.tools.GetOffsetShell --broker-list localhost:9092 --topic test       # the seed spelling',
    ]))
    .action(action(async (flags: GetOffsetsFlags) => {
      const named: Record<string, number> = { latest: LATEST, earliest: EARLIEST, 'max-timestamp': MAX_TIMESTAMP };
      const time = named[flags.time] ?? intOption(flags.time, '--time');
      const partitions = flags.partitions?.split(',').filter(Boolean).map((p) => intOption(p.trim(), '--partitions', 0));
      await withCluster(flags, async (cluster) => {
        const md = await cluster.metadata(null);
        let pattern: RegExp | null = null;
        if (flags.topic) {
          try { pattern = new RegExp(`^(?:${flags.topic})$`); } catch { pattern = null; }
        }
        const topics = md.topics
          .filter((t) => t.errorCode === 0 && (!flags.excludeInternalTopics || !t.isInternal))
          .filter((t) => !flags.topic || t.name === flags.topic || (pattern?.test(t.name) ?? false))
          .map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partition).filter((p) => !partitions || partitions.includes(p)) }))
          .filter((t) => t.partitions.length > 0)
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        if (flags.topic && topics.length === 0) throw new UsageError(`no topic matches ${flags.topic}${partitions ? ` with partitions ${partitions.join(',')}` : ''}`);
        const rows: { topic: string; partition: number; offset: number | null }[] = [];
        for (const t of topics) {
          for (const o of await listOffsets(cluster, t.name, time, t.partitions)) rows.push({ topic: o.topic, partition: o.partition, offset: o.offset < 0 ? null : o.offset });
        }
        if (flags.json) return printJson(rows);
        // GetOffsetShell prints nothing after the colon when no offset matches the time.
        for (const r of rows) out(`${r.topic}:${r.partition}:${r.offset ?? ''}`);
      });
    }));
  return cmd;
}
