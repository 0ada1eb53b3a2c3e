// `strom start`: one broker in the foreground, configured like kafka-server-start.sh
// (a server.properties file and --override key=value), stopped cleanly by SIGTERM/SIGINT.
import { performance } from 'node:perf_hooks';
import { BrokerConfig, ConfigError } from '../config/config.js';
import { Broker, STROM_VERSION } from '../broker/broker.js';
import { createLogger } from '../broker/logger.js';

interface StartOptions {
  config?: string;
  override: string[];
}

export async function start(propertiesFile: string | undefined, options: StartOptions): Promise<void> {
  let config: BrokerConfig;
  try {
    config = BrokerConfig.load({ file: options.config ?? propertiesFile, overrides: options.override, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  const logger = createLogger();
  let broker: Broker;
  try {
    broker = await Broker.start(config, logger);
  } catch (e) {
    // Listen errors: Node's for the Kafka listeners, the gateway's (http/listen.ts) name their key.
    const err = e as NodeJS.ErrnoException & { port?: number; listenerKey?: string };
    if (err instanceof ConfigError) fail(err.message);
    const where = `${err.port ? ` on port ${err.port}` : ''}${err.listenerKey ? ` (${err.listenerKey})` : ''}`;
    if (err.code === 'EADDRINUSE') fail(`cannot listen${where}: address already in use`);
    if (err.code === 'EACCES') fail(`cannot listen${where}: permission denied`);
    if (err.syscall === 'listen' || err.listenerKey) fail(`cannot listen${where}: ${err.message}`);
    throw e;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: shutting down`);
    broker.stop().then(() => {
      logger.info('stopped cleanly');
      process.exit(0);
    }, (e) => {
      logger.error(`shutdown failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The bundle's launcher (tools/bundle.mjs) saves V8's code cache once the broker is up.
  (globalThis as { __stromSaveCodeCache?: () => void }).__stromSaveCodeCache?.();

  const listeners = [...broker.listeners, ...(broker.gateway?.bound ?? [])].map((l) => `${l.name === 'HTTP' || l.name === 'HTTPS' ? l.name.toLowerCase() : l.name}://${l.host || '0.0.0.0'}:${l.port}`).join(', ');
  const s = broker.stats;
  logger.info(`Strom ${STROM_VERSION} (node ${config.nodeId}, cluster ${broker.logs.clusterId}) listening on ${listeners}; `
    + `log dir ${broker.logs.dir}: ${s.topics} topic(s), ${s.partitions} partition(s)${s.clean ? '' : `, recovered after an unclean stop: ${s.recoveredSegments} segment(s) checked, ${s.truncatedBytes} torn byte(s) cut`}; `
    + `${broker.pool.workers} append worker(s); ready in ${Math.round(performance.now())} ms`);
}

function fail(message: string): never {
  process.stderr.write(`strom: ${message}\n`);
  process.exit(1);
}
