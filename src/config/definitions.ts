// Every configuration key Strom knows, with Kafka's names, types and defaults (from Apache
// Kafka's documentation of broker and topic configs). One table serves parsing and
// validation, DescribeConfigs (types, defaults, synonyms), the README's table, and the types
// of the accessors (BrokerKey, TopicKey below): config.int('log.segment.bytes') compiles,
// config.int('log.segmnet.bytes') and config.int('log.dirs') do not.

type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

/** DescribeConfigs ConfigType codes (KIP-569). */
export const CONFIG_TYPE_CODES: Record<ConfigType, number> = {
  boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9,
};

export interface ConfigDef {
  name: string;
  type: ConfigType;
  /** Default as Kafka writes it (string form); null = no default. */
  default: string | null;
  doc: string;
  /** Allowed values (strings and lists), or a numeric range check. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Whether Strom acts on it (false = accepted and reported as Kafka does, no effect). */
  effective?: boolean;
  /** A check beyond type, choices and range (Kafka's validator): the reason a value is refused, or null. */
  check?: (text: string) => string | null;
  /** Broker keys: may be changed at runtime with AlterConfigs / IncrementalAlterConfigs. */
  dynamic?: boolean;
}

const LONG_MAX = '9223372036854775807';

/**
 * Kafka 3.9's MetadataVersion strings (IBP versions), which message.format.version takes:
 * a release (its latest production IBP) or a release with its IV. Kafka reads only the
 * first three parts of a 0.x version and two of the others, so 0.10.0.0 and 2.8.1 pass.
 */
const IBP_IVS: Record<string, number> = {
  '0.8.0': -1, '0.8.1': -1, '0.8.2': -1, '0.9.0': -1, '0.10.0': 1, '0.10.1': 2, '0.10.2': 0, '0.11.0': 2,
  '1.0': 0, '1.1': 0, '2.0': 1, '2.1': 2, '2.2': 1, '2.3': 1, '2.4': 1, '2.5': 0, '2.6': 0, '2.7': 2, '2.8': 1,
  '3.0': 1, '3.1': 0, '3.2': 0, '3.3': 3, '3.4': 0, '3.5': 2, '3.6': 2, '3.7': 4, '3.8': 0, '3.9': 0, '4.0': 1,
};

export function checkMetadataVersion(text: string): string | null {
  const parts = text.split('.');
  const key = parts.slice(0, text.startsWith('0.') ? 3 : 2).join('.');
  const m = /^(.*)-IV(\d+)$/.exec(key);
  const release = m ? m[1] : key;
  const ivs = IBP_IVS[release];
  // 4.0 is not a production version in Kafka 3.9: only its IVs name it.
  const valid = ivs !== undefined && (m ? ivs >= 0 && Number(m[2]) <= ivs && String(Number(m[2])) === m[2] : release !== '4.0');
  return valid ? null : `Version ${text} is not a valid version`;
}

/** Kafka's ThrottledReplicaListValidator: '*' or partitionId:brokerId entries. */
function checkThrottledReplicas(text: string): string | null {
  const items = text.split(',').map((s) => s.trim());
  if (items.join('') === '*' || items.every((s) => /^([0-9]+:[0-9]+)?$/.test(s))) return null;
  return "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
}

/** compression.gzip.level: 1-9, or -1 (zlib's default). */
function checkGzipLevel(text: string): string | null {
  const level = Number(text);
  return level === -1 || (level >= 1 && level <= 9) ? null : 'Value must be between 1 and 9 or equal to -1';
}

/** Broker configuration (server.properties). Kept literal (as const): the key types come from it. */
const BROKER_TABLE = [
  { name: 'node.id', type: 'int', default: '1', doc: 'The id of this broker.', min: 0 },
  { name: 'broker.id', type: 'int', default: null, doc: 'Older name of node.id; used when node.id is not set.', min: 0 },
  { name: 'listeners', type: 'list', default: 'PLAINTEXT://localhost:9092', doc: 'Addresses the broker listens on, as NAME://host:port (host empty = all interfaces; port 0: ephemeral). The name gives the security protocol through listener.security.protocol.map: PLAINTEXT://, SSL://, SASL_PLAINTEXT:// and SASL_SSL:// by default, or names of your own such as INTERNAL:// and EXTERNAL://.' },
  { name: 'advertised.listeners', type: 'list', default: null, doc: 'Addresses given to clients in Metadata, as NAME://host:port for listeners of the same name: a client is told the address of the listener it came in on. A listener not listed here is advertised with its own address.' },
  { name: 'listener.security.protocol.map', type: 'list', default: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL', doc: 'Listener names and their security protocols, as NAME:PROTOCOL with PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL authentication, over TLS). Settings for one listener are given as listener.name.<name>.<key>, e.g. listener.name.external.ssl.client.auth=required.' },
  { name: 'inter.broker.listener.name', type: 'string', default: null, doc: 'The listener brokers of a cluster reach each other on (followers fetch from leaders there); must name a listener. Default: the listener named after security.inter.broker.protocol, else the first listener of that protocol. Over TLS a broker checks the other\'s certificate with that listener\'s truststore and presents its keystore; over SASL it logs in with sasl.mechanism.inter.broker.protocol and the username and password of the listener\'s JAAS config for it.' },
  { name: 'security.inter.broker.protocol', type: 'string', default: 'PLAINTEXT', doc: 'The inter-broker listener when inter.broker.listener.name is not set: the listener of this name (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL), else the first listener of this protocol (INTERNAL://, mapped to PLAINTEXT, by default).', choices: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] },
  { name: 'sasl.mechanism.inter.broker.protocol', type: 'string', default: 'GSSAPI', doc: 'The SASL mechanism a broker logs in to the others with, on a SASL inter-broker listener: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI, Kafka\'s default, is not served), one of the listener\'s sasl.enabled.mechanisms; the credentials are the username and password options of listener.name.<l>.<mechanism>.sasl.jaas.config.' },
  { name: 'ssl.keystore.type', type: 'string', default: 'PEM', doc: 'Format of the broker\'s key and certificate: PEM (a file with the private key and the certificate chain, or ssl.keystore.key and ssl.keystore.certificate.chain given inline) or PKCS12. JKS is not read: convert it with keytool -importkeystore -deststoretype PKCS12.', choices: ['PEM', 'PKCS12', 'JKS'] },
  { name: 'ssl.keystore.location', type: 'string', default: null, doc: 'The keystore file: PEM with the private key and certificate chain, or PKCS12 (ssl.keystore.type).' },
  { name: 'ssl.keystore.password', type: 'password', default: null, doc: 'Password of a PKCS12 keystore.' },
  { name: 'ssl.key.password', type: 'password', default: null, doc: 'Password of an encrypted PEM private key.' },
  { name: 'ssl.keystore.key', type: 'password', default: null, doc: 'The private key in PEM, inline (with ssl.keystore.certificate.chain, instead of ssl.keystore.location).' },
  { name: 'ssl.keystore.certificate.chain', type: 'password', default: null, doc: 'The certificate chain in PEM, inline (with ssl.keystore.key).' },
  { name: 'ssl.truststore.type', type: 'string', default: 'PEM', doc: 'Format of the certificates that client certificates are verified against: PEM (PKCS12 and JKS truststores are not read).', choices: ['PEM', 'PKCS12', 'JKS'] },
  { name: 'ssl.truststore.location', type: 'string', default: null, doc: 'A PEM file of the CA certificates client certificates must chain to (ssl.client.auth); default: the system\'s CAs.' },
  { name: 'ssl.truststore.password', type: 'password', default: null, doc: 'Accepted for compatibility; PEM truststores have no password.', effective: false },
  { name: 'ssl.truststore.certificates', type: 'password', default: null, doc: 'The trusted CA certificates in PEM, inline (instead of ssl.truststore.location).' },
  { name: 'ssl.client.auth', type: 'string', default: 'none', doc: 'Client certificates on TLS listeners: required (a client without a certificate the truststore verifies cannot connect), requested (a client may present one; an unverified one is refused), none. On an SSL listener the principal is the certificate\'s subject (ssl.principal.mapping.rules); without one, User:ANONYMOUS.', choices: ['required', 'requested', 'none'] },
  { name: 'ssl.enabled.protocols', type: 'list', default: 'TLSv1.2,TLSv1.3', doc: 'TLS versions a listener accepts (a contiguous range of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3).', choices: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] },
  { name: 'ssl.protocol', type: 'string', default: 'TLSv1.3', doc: 'Accepted for compatibility: ssl.enabled.protocols decides.', effective: false },
  { name: 'ssl.cipher.suites', type: 'list', default: '', doc: 'Cipher suites a listener accepts, by their IANA names (TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...) or OpenSSL\'s; empty: Node\'s defaults.' },
  { name: 'ssl.principal.mapping.rules', type: 'string', default: 'DEFAULT', doc: 'How a client certificate\'s subject (RFC 2253, e.g. CN=alice,OU=eng,O=Example) becomes a user name: rules RULE:pattern/replacement/[LU] tried in order, DEFAULT for the whole subject, as Kafka\'s.' },
  { name: 'ssl.endpoint.identification.algorithm', type: 'string', default: 'https', doc: 'Over a TLS inter-broker listener: https checks that another broker\'s certificate names the host it is reached at (its advertised address); empty does not.' },
  { name: 'sasl.enabled.mechanisms', type: 'list', default: 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512', doc: 'SASL mechanisms of SASL_PLAINTEXT and SASL_SSL listeners. PLAIN checks listener.name.<l>.plain.sasl.jaas.config (user_<name>="<password>" options) or strom.sasl.plain.users; SCRAM checks the credentials kept by the broker (AlterUserScramCredentials, strom configs --entity-type users).', choices: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] },
  { name: 'strom.sasl.plain.users', type: 'password', default: null, doc: 'PLAIN users as name:password pairs, comma-separated (a listener\'s plain.sasl.jaas.config, when set, is used instead on that listener). The HTTP gateway\'s Basic authentication accepts them too.' },
  { name: 'connections.max.reauth.ms', type: 'long', default: '0', doc: 'Lifetime of a SASL session (KIP-368): told to the client in SaslAuthenticate v1+, which re-authenticates in time; a connection that sends a request after its session expired is closed. 0: sessions do not expire.', min: 0 },
  { name: 'connection.failed.authentication.delay.ms', type: 'int', default: '100', doc: 'How long the answer to a failed authentication (SASL, TLS, HTTP Basic) is held back before the connection closes, to slow password guessing.', min: 0 },
  { name: 'sasl.server.max.receive.size', type: 'int', default: '524288', doc: 'Largest request frame accepted before a SASL connection is authenticated; a larger one closes it.', min: 1 },
  { name: 'authorizer.class.name', type: 'string', default: '', doc: 'The authorizer: empty for none (every client may do everything), or Kafka\'s ACL authorizer by any of its class names (org.apache.kafka.metadata.authorizer.StandardAuthorizer, kafka.security.authorizer.AclAuthorizer; strom.security.AclAuthorizer is the same): requests are then checked against the ACLs (CreateAcls, strom acls), kept in strom-acls.json in the log directory, or in etcd in a cluster.' },
  { name: 'super.users', type: 'string', default: null, doc: 'Principals that may do everything whatever the ACLs say, separated by semicolons: User:admin;User:CN=broker,O=Example.' },
  { name: 'allow.everyone.if.no.acl.found', type: 'boolean', default: 'false', doc: 'With the authorizer on: whether a resource no ACL applies to (no literal, wildcard or prefixed ACL for it) is open to everyone. false (Kafka\'s default): only super users may use it.' },
  { name: 'quota.window.num', type: 'int', default: '11', doc: 'Samples a client quota\'s rate is measured over (KIP-13): the rate is the usage of these samples over the time they span, at least quota.window.num - 1 windows.', min: 2 },
  { name: 'quota.window.size.seconds', type: 'int', default: '1', doc: 'Length of one sample of a client quota\'s rate.', min: 1 },
  { name: 'max.connections.per.ip', type: 'int', default: '2147483647', doc: 'Connections one IP address may have open at once (all listeners); one more is closed at once and logged.', min: 0 },
  { name: 'max.connections.per.ip.overrides', type: 'string', default: '', doc: 'Per-address exceptions to max.connections.per.ip, as host:count or ip:count pairs, comma-separated: 127.0.0.1:200,build-server:50 (host names are resolved at start).' },
  { name: 'max.connection.creation.rate', type: 'int', default: '2147483647', doc: 'New connections per second the broker accepts (over quota.window.num samples, as Kafka measures it); past it new connections wait before they are read. listener.name.<l>.max.connection.creation.rate limits one listener. Per-IP rates are client quotas: AlterClientQuotas (strom configs --entity-type ips --add-config connection_creation_rate=N).', min: 0 },
  { name: 'log.dirs', type: 'list', default: null, doc: 'Directories holding partition logs; the first one is used. Defaults to log.dir.' },
  { name: 'log.dir', type: 'string', default: './data', doc: 'The log directory when log.dirs is not set.' },
  { name: 'num.partitions', type: 'int', default: '1', doc: 'Partitions of auto-created topics.', min: 1 },
  { name: 'default.replication.factor', type: 'int', default: '1', doc: 'Replication factor of auto-created topics and of CreateTopics that leave it to the broker (one broker: 1).', min: 1 },
  { name: 'etcd.connect', type: 'list', default: null, doc: 'etcd endpoints (http://host:port, comma-separated): set, the broker is one of a cluster whose metadata, membership and controller election live in etcd (docs/CLUSTER.md); unset, it runs alone. Kafka\'s zookeeper.connect is not served: use this instead.' },
  { name: 'etcd.prefix', type: 'string', default: '/strom/', doc: 'Key prefix of the cluster in etcd: clusters with different prefixes share one etcd.' },
  { name: 'broker.rack', type: 'string', default: null, doc: 'Rack (or zone) of this broker: in a cluster, replicas of a partition are spread over racks.' },
  { name: 'broker.session.timeout.ms', type: 'int', default: '9000', doc: 'In a cluster: how long after its last heartbeat to etcd (its lease, whole seconds, 2 s at least: etcd\'s floor) a broker counts as dead and its partitions get new leaders, as Kafka\'s. A killed broker is out within milliseconds whatever this is (broker.failure.probe.enable); this timeout decides for a machine that is gone, a network partition or a stall. Lower it (2000 at least) for a faster failover in those cases, at the price of a broker stalled that long (a long GC pause, a starved machine) being taken for dead.', min: 2000 },
  { name: 'broker.failure.probe.enable', type: 'boolean', default: 'true', doc: 'In a cluster: each broker keeps an idle TCP connection to every other broker\'s inter-broker listener (nothing is sent on it). When one ends and the next connect is refused twice, 100 ms apart, no process listens there any more (a killed or crashed broker: its kernel refuses for it), so the broker revokes that broker\'s registration lease at once instead of waiting broker.session.timeout.ms for it to expire, and its partitions get new leaders within milliseconds. A stalled broker (a GC pause, a stopped process) still has its listener and is left to its lease; a connect that hangs or times out (a dead machine, a network partition) decides nothing either. Only a broker once reached in its current run is declared dead this way. Turn it off where something else may refuse the connections of a live broker (a firewall rule that rejects rather than drops).' },
  { name: 'replica.lag.time.max.ms', type: 'long', default: '30000', doc: 'A follower that has not caught up to the leader\'s log end for this long leaves the ISR.', min: 1 },
  { name: 'replica.fetch.wait.max.ms', type: 'int', default: '500', doc: 'Longest a follower\'s fetch waits at the leader for new records.', min: 0 },
  { name: 'replica.fetch.min.bytes', type: 'int', default: '1', doc: 'Bytes a follower\'s fetch waits for at the leader.', min: 1 },
  { name: 'replica.fetch.max.bytes', type: 'int', default: '1048576', doc: 'Bytes a follower fetches per partition at most (at least one batch).', min: 0 },
  { name: 'replica.fetch.response.max.bytes', type: 'int', default: '10485760', doc: 'Bytes of one follower fetch response at most.', min: 0 },
  { name: 'replica.fetch.backoff.ms', type: 'int', default: '1000', doc: 'Pause of a follower after a failed fetch.', min: 0 },
  { name: 'request.timeout.ms', type: 'int', default: '30000', doc: 'How long a broker of a cluster waits for another broker\'s answer to the requests it sends besides replica fetches: the transaction coordinator\'s WriteTxnMarkers to partition leaders (retried after it), a leader\'s AddPartitionsToTxn verification at the transaction coordinator (the producer gets a retriable NOT_ENOUGH_REPLICAS).', min: 1 },
  { name: 'replica.socket.timeout.ms', type: 'int', default: '30000', doc: 'Timeout of a follower\'s fetch requests to its leader.', min: 1 },
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true', doc: 'Create topics on first Metadata request for them.' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true', doc: 'Allow DeleteTopics.' },
  { name: 'max.request.partition.size.limit', type: 'int', default: '2000', doc: 'Most partitions one DescribeTopicPartitions response describes (KIP-966); a client asking for more gets this many and a cursor to continue from.', min: 1 },
  { name: 'message.max.bytes', type: 'int', default: '1048588', doc: 'Largest record batch the broker accepts (after compression).', min: 0, dynamic: true },
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', doc: 'Largest request frame; larger ones close the connection.', min: 1 },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000', doc: 'Idle connections are closed after this long.', min: 1 },
  { name: 'max.connections', type: 'int', default: '2147483647', doc: 'Connections the broker has open at once, all listeners together (listener.name.<l>.max.connections limits one listener); one more is closed at once and logged.', min: 1 },
  { name: 'socket.listen.backlog.size', type: 'int', default: '4096', doc: 'Connections the kernel queues on a Kafka listener before the broker accepts them (capped by net.core.somaxconn). Past it new connections are dropped and the client retries after a second or more: thousands of consumers connecting at once (a restart of a fleet) need room. Kafka\'s default is 50.', min: 1 },
  { name: 'http.listeners', type: 'list', default: 'http://localhost:8082', doc: 'Addresses of the HTTP/WebSocket gateway (REST proxy, live tail, /metrics, web console), as http://host:port or https://host:port (TLS with the broker\'s ssl.keystore.* settings, PEM only; port 0: ephemeral); empty disables the gateway. Each port is the gateway\'s alone: one in use fails the start. Without http.authentication.method=BASIC, an address beyond loopback (such as all interfaces: an empty host) lets anyone who reaches it read and write every topic, and is logged as a warning.' },
  { name: 'http.authentication.method', type: 'string', default: 'NONE', doc: 'BASIC: every request and WebSocket upgrade needs HTTP Basic credentials of a broker user (a PLAIN user, or a user with SCRAM credentials), else 401 (paths in http.authentication.skip.paths excepted). NONE: no authentication.', choices: ['NONE', 'BASIC'] },
  { name: 'http.authentication.realm', type: 'string', default: 'Strom', doc: 'The realm a 401 answer names (WWW-Authenticate).' },
  { name: 'http.authentication.skip.paths', type: 'list', default: '', doc: 'Paths served without authentication, e.g. /metrics,/health,/ready for scrapers and probes.' },
  { name: 'http.authentication.cache.max.entries', type: 'int', default: '1024', doc: 'Verified HTTP Basic credentials remembered (least recently used first out), so SCRAM users are not hashed again (PBKDF2) on every request; a credential change forgets them. 0: none.', min: 0 },
  { name: 'http.allowed.origins', type: 'list', default: null, doc: 'Origins (scheme://host[:port]) of web pages allowed to use the gateway besides its own: their cross-origin requests get CORS answers, preflights included, and their WebSocket upgrades are accepted. Requests and upgrades from other origins are refused (403). Empty (the default): only pages the gateway serves itself, such as the console; *: any origin, and any Host name. On a loopback listener the Host header must also name the gateway (localhost, 127.0.0.1, [::1], the listener\'s address, or a host listed here), else 421: this stops DNS rebinding.' },
  { name: 'http.max.body.bytes', type: 'int', default: '8388608', doc: 'Largest HTTP request body the gateway reads; larger ones get 413.', min: 1 },
  { name: 'http.max.connections', type: 'int', default: '1024', doc: 'WebSocket connections plus HTTP requests in flight the gateway serves at once; more get 503.', min: 1 },
  { name: 'http.ws.max.buffered.bytes', type: 'int', default: '1048576', doc: 'Bytes a WebSocket may have queued unsent before its live tail pauses reading for it.', min: 1024 },
  { name: 'http.consumer.instance.timeout.ms', type: 'int', default: '300000', doc: 'REST proxy consumer instances unused for this long are deleted.', min: 1 },
  { name: 'http.consumer.session.timeout.ms', type: 'int', default: '45000', doc: 'Session (and rebalance) timeout of a subscribed REST consumer instance as a member of its group; must lie within group.min.session.timeout.ms and group.max.session.timeout.ms.', min: 1 },
  { name: 'http.consumer.heartbeat.interval.ms', type: 'int', default: '3000', doc: 'How often a subscribed REST consumer instance heartbeats to its group, and so how soon it rejoins when the group rebalances.', min: 1 },
  { name: 'http.consumer.request.max.bytes', type: 'int', default: '67108864', doc: 'Default max_bytes of a REST consumer records request.', min: 1 },
  { name: 'queued.max.requests', type: 'int', default: '500', doc: 'Requests one connection may have in flight before the broker stops reading from it.', min: 1 },
  { name: 'queued.max.request.bytes', type: 'long', default: '-1', doc: 'Bytes of requests one connection may have in flight before the broker stops reading from it (-1: 2 x socket.request.max.bytes).' },
  { name: 'strom.request.memory.max.bytes', type: 'long', default: '536870912', doc: 'Core memory that requests and responses in flight may hold, broker-wide: receive areas, request frames, and fetched data a response holds until written (Fetch v0-3 conversions; other fetches stream from the log and hold none). Once spent, connections are not read and such fetches wait until memory is given back.', min: 1048576 },
  { name: 'max.incremental.fetch.session.cache.slots', type: 'int', default: '1000', doc: 'Fetch sessions (KIP-227) the broker keeps; past it a new session evicts one idle for strom.fetch.session.eviction.ms, or a smaller one, or the client fetches without a session.', min: 0 },
  { name: 'strom.fetch.session.eviction.ms', type: 'long', default: '120000', doc: 'A fetch session unused this long may be evicted to make room for a new one.', min: 0 },
  { name: 'strom.connection.max.unsent.bytes', type: 'long', default: '16777216', doc: 'Bytes of responses one connection may have waiting for its client to take them; past it the broker stops reading the connection until the client catches up (Kafka mutes such a channel).', min: 65536 },
  { name: 'strom.telemetry.enable', type: 'boolean', default: 'true', doc: 'Serve client telemetry (KIP-714: GetTelemetrySubscriptions and PushTelemetry, which librdkafka 2.5+ and the Java client 3.7+ call on connect) and show each client\'s pushed metrics on /metrics. Kafka needs a metrics plugin and subscriptions for this; Strom subscribes every client to strom.telemetry.metrics. false: the two APIs are not advertised, as on a Kafka broker without the plugin.' },
  { name: 'strom.telemetry.metrics', type: 'list', default: 'org.apache.kafka.producer.,org.apache.kafka.consumer.', doc: 'Metric name prefixes every client is asked to push (KIP-714 subscriptions match by prefix); * asks for all; empty asks for none. Changing it changes the subscription: clients ask for it again.', dynamic: true },
  { name: 'strom.telemetry.push.interval.ms', type: 'int', default: '30000', doc: 'How often clients push their metrics. Kafka\'s client-metrics default is 300000; a shorter interval suits /metrics scrapes. A client that pushes sooner is throttled (THROTTLING_QUOTA_EXCEEDED), as Kafka throttles it.', min: 100, max: 3600000, dynamic: true },
  { name: 'telemetry.max.bytes', type: 'int', default: '1048576', doc: 'Largest metrics payload (as sent, compressed or not) of one PushTelemetry; larger ones get TELEMETRY_TOO_LARGE.', min: 1 },
  { name: 'strom.telemetry.max.uncompressed.bytes', type: 'int', default: '4194304', doc: 'Largest a pushed metrics payload may grow to when decompressed; larger ones are refused (INVALID_RECORD) without being decoded.', min: 1024 },
  { name: 'strom.telemetry.max.clients', type: 'int', default: '1000', doc: 'Client instances whose telemetry the broker keeps at once. A new client beyond them gets an empty subscription (it pushes nothing) until one leaves or expires.', min: 0 },
  { name: 'strom.telemetry.client.max.series', type: 'int', default: '200', doc: 'Metric series (name and attributes) kept per client instance; more are dropped and counted (strom_client_telemetry_series_dropped_total).', min: 1 },
  { name: 'strom.telemetry.client.expiry.ms', type: 'long', default: null, doc: 'A client instance that neither asks for its subscription nor pushes for this long is forgotten, and its metrics leave /metrics (default: three push intervals, at least 60000, as Kafka expires them). A client that closes cleanly leaves at once.', min: 1 },
  { name: 'log.segment.bytes', type: 'int', default: '1073741824', doc: 'Size at which a segment is rolled.', min: 14, dynamic: true },
  { name: 'log.roll.ms', type: 'long', default: null, doc: 'Age at which a segment is rolled; defaults to log.roll.hours.', min: 1, dynamic: true },
  { name: 'log.roll.hours', type: 'int', default: '168', doc: 'Age in hours at which a segment is rolled.', min: 1 },
  { name: 'log.roll.jitter.ms', type: 'long', default: null, doc: 'Random jitter subtracted from the roll age; defaults to log.roll.jitter.hours.', min: 0, dynamic: true },
  { name: 'log.roll.jitter.hours', type: 'int', default: '0', doc: 'Roll jitter in hours.', min: 0 },
  { name: 'log.retention.ms', type: 'long', default: null, doc: 'How long to keep a segment (-1: forever); defaults to log.retention.minutes.', dynamic: true },
  { name: 'log.retention.minutes', type: 'int', default: null, doc: 'Retention in minutes; defaults to log.retention.hours.' },
  { name: 'log.retention.hours', type: 'int', default: '168', doc: 'Retention in hours.' },
  { name: 'log.retention.bytes', type: 'long', default: '-1', doc: 'Largest size of a partition before old segments are deleted (-1: no limit).', dynamic: true },
  { name: 'log.local.retention.ms', type: 'long', default: '-2', doc: 'Tiered storage (KIP-405): how long segments stay on local disk (-2: retention.ms). Accepted and reported as Kafka does; Strom has no tiered storage.', min: -2, effective: false, dynamic: true },
  { name: 'log.local.retention.bytes', type: 'long', default: '-2', doc: 'Tiered storage (KIP-405): local size limit per partition (-2: retention.bytes). Accepted and reported as Kafka does; Strom has no tiered storage.', min: -2, effective: false, dynamic: true },
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', doc: 'How often retention is checked.', min: 1 },
  { name: 'log.segment.delete.delay.ms', type: 'long', default: '60000', doc: 'Delay before a deleted segment file is removed from disk.', min: 0, dynamic: true },
  { name: 'log.index.interval.bytes', type: 'int', default: '4096', doc: 'Bytes of log between offset index entries.', min: 0, dynamic: true },
  { name: 'log.index.size.max.bytes', type: 'int', default: '10485760', doc: 'Largest offset index; a full index rolls the segment.', min: 4, dynamic: true },
  { name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, doc: 'Records appended before a partition is fsynced (default: never, as Kafka).', min: 1, dynamic: true },
  { name: 'log.flush.interval.ms', type: 'long', default: null, doc: 'Longest time a record stays unsynced (default: never).', dynamic: true },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, doc: 'How often the flusher checks log.flush.interval.ms.' },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', doc: 'How often the recovery-point checkpoint is written.', min: 0 },
  { name: 'log.flush.start.offset.checkpoint.interval.ms', type: 'int', default: '60000', doc: 'How often the log-start-offset checkpoint is written.', min: 0 },
  { name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', doc: 'CreateTime or LogAppendTime.', choices: ['CreateTime', 'LogAppendTime'], dynamic: true },
  { name: 'log.message.format.version', type: 'string', default: '3.0-IV1', doc: 'Deprecated in Kafka 3.0 and ignored there from inter.broker.protocol.version 3.0 on: record batches (magic 2) are always written. Accepted (a Kafka MetadataVersion such as 2.8 or 0.10.0) and reported.', check: checkMetadataVersion, effective: false },
  { name: 'log.message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX, doc: 'Largest difference between a CreateTime timestamp and the broker clock.', min: 0, dynamic: true },
  { name: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, doc: 'Largest allowed age of a CreateTime timestamp.', min: 0, dynamic: true },
  { name: 'log.message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, doc: 'Largest allowed lead of a CreateTime timestamp over the broker clock.', min: 0, dynamic: true },
  { name: 'log.cleanup.policy', type: 'list', default: 'delete', doc: 'delete and/or compact.', choices: ['delete', 'compact'], dynamic: true },
  { name: 'log.cleaner.delete.retention.ms', type: 'long', default: '86400000', doc: 'How long tombstones are kept in compacted topics.', min: 0, dynamic: true },
  { name: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: '0', doc: 'Youngest record age a compaction may touch.', min: 0, dynamic: true },
  { name: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, doc: 'Oldest a record may get before it becomes eligible for compaction.', min: 1, dynamic: true },
  { name: 'log.cleaner.min.cleanable.ratio', type: 'double', default: '0.5', doc: 'Dirty ratio that makes a log eligible for compaction.', min: 0, max: 1, dynamic: true },
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true', doc: 'Run the log cleaner, which compacts topics whose cleanup.policy includes compact.' },
  { name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', doc: 'Pause between the log cleaner\'s passes over the logs.', min: 0, dynamic: true },
  { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: '134217728', doc: 'Memory (approximate) for the cleaner\'s key-to-offset map; one pass covers as much dirty log as fits (at least one segment).', min: 1, dynamic: true },
  { name: 'log.preallocate', type: 'boolean', default: 'false', doc: 'Preallocate segment files (accepted; no effect).', effective: false, dynamic: true },
  { name: 'compression.type', type: 'string', default: 'producer', doc: 'Final compression of a topic: producer keeps what the producer sent.', choices: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], dynamic: true },
  { name: 'compression.gzip.level', type: 'int', default: '-1', doc: 'gzip level when compression.type is gzip (KIP-390): 1-9 or -1. Accepted and reported; Strom compresses with the codec\'s default level.', check: checkGzipLevel, effective: false, dynamic: true },
  { name: 'compression.lz4.level', type: 'int', default: '9', doc: 'lz4 level when compression.type is lz4 (KIP-390): 1-17. Accepted and reported; Strom compresses with the codec\'s default level.', min: 1, max: 17, effective: false, dynamic: true },
  { name: 'compression.zstd.level', type: 'int', default: '3', doc: 'zstd level when compression.type is zstd (KIP-390). Accepted and reported; Strom compresses at level 3.', min: -131072, max: 22, effective: false, dynamic: true },
  { name: 'min.insync.replicas', type: 'int', default: '1', doc: 'In-sync replicas an acks=all write needs: fewer, and it fails with NOT_ENOUGH_REPLICAS.', min: 1, dynamic: true },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', doc: 'In a cluster: whether a replica outside the ISR may become leader when no ISR member is alive (available again, but acknowledged records may be lost).', dynamic: true },
  { name: 'log.message.downconversion.enable', type: 'boolean', default: 'true', doc: 'Down-convert record batches for Fetch v0-3 clients.', dynamic: true },
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', doc: 'Partitions of __consumer_offsets.', min: 1 },
  { name: 'offsets.commit.timeout.ms', type: 'int', default: '5000', doc: 'In a cluster: how long an offset commit waits for every in-sync replica of its __consumer_offsets partition before it fails (COORDINATOR_NOT_AVAILABLE; the client retries).', min: 1 },
  { name: 'offsets.topic.replication.factor', type: 'short', default: '3', doc: 'Replication factor of __consumer_offsets; created with fewer replicas (and a warning) when fewer brokers are alive, so one broker alone has 1.', min: 1 },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', doc: 'Committed offsets of empty groups are kept this long.', min: 1 },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', doc: 'How often expired offsets and empty groups are removed.', min: 1 },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', doc: 'Segment size of __consumer_offsets (kept small for fast compaction and loading).', min: 14 },
  { name: 'offset.metadata.max.bytes', type: 'int', default: '4096', doc: 'Largest metadata string of an offset commit.', min: 0 },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000', doc: 'Delay of the first rebalance of a new group.', min: 0 },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000', doc: 'Smallest session timeout a member may ask for.' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000', doc: 'Largest session timeout a member may ask for.' },
  { name: 'group.max.size', type: 'int', default: '2147483647', doc: 'Members a group may have.', min: 1 },
  { name: 'group.consumer.session.timeout.ms', type: 'int', default: '45000', doc: 'Session timeout of the members of a consumer-protocol group (KIP-848): a member that sends no ConsumerGroupHeartbeat for this long is removed and its partitions go to the others.', min: 1 },
  { name: 'group.consumer.heartbeat.interval.ms', type: 'int', default: '5000', doc: 'How often the members of a consumer-protocol group are told to heartbeat (KIP-848); a member learns of a new assignment at its next heartbeat.', min: 1 },
  { name: 'group.consumer.max.size', type: 'int', default: '2147483647', doc: 'Members a consumer-protocol group may have (GROUP_MAX_SIZE_REACHED beyond); group.max.size applies to classic groups.', min: 1 },
  { name: 'group.consumer.assignors', type: 'list', default: 'uniform,range', doc: 'Server-side assignors of consumer-protocol groups (KIP-848), by name (Kafka\'s class names are accepted too); the first is used when a member names none. uniform: partitions spread evenly, sticky to their owners; range: each topic\'s partitions in ranges over the members subscribed to it.', choices: ['uniform', 'range', 'org.apache.kafka.coordinator.group.assignor.UniformAssignor', 'org.apache.kafka.coordinator.group.assignor.RangeAssignor'] },
  { name: 'group.consumer.migration.policy', type: 'string', default: 'bidirectional', doc: 'Whether a non-empty group converts between protocols (KIP-848): upgrade (a classic group of consumers becomes a consumer-protocol group when a member joins with ConsumerGroupHeartbeat), downgrade (back to classic when the last consumer-protocol member leaves), bidirectional, or disabled.', choices: ['disabled', 'upgrade', 'downgrade', 'bidirectional'] },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', doc: 'A partition forgets an idempotent producer that has written nothing to it for this long (by its batches\' timestamps) and has no open transaction there; its next batch is then accepted at any sequence, as a new producer\'s (KIP-360).', min: 1, dynamic: true },
  { name: 'producer.id.expiration.check.interval.ms', type: 'int', default: '600000', doc: 'How often each partition looks for producers idle past producer.id.expiration.ms.', min: 1 },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', doc: 'The transaction coordinator forgets a transactional id whose state has not changed for this long and has no transaction in progress (Empty, CompleteCommit or CompleteAbort): a tombstone in __transaction_state removes it.', min: 1 },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: '50', doc: 'Partitions of __transaction_state (created on the first transactional FindCoordinator or InitProducerId). A transactional id lives in partition abs(hash) % this, as in Kafka: do not change it once the topic exists (the topic keeps its partition count).', min: 1 },
  { name: 'transaction.state.log.segment.bytes', type: 'int', default: '104857600', doc: 'Segment size of __transaction_state (kept small for fast compaction and loading).', min: 14 },
  { name: 'transaction.state.log.replication.factor', type: 'short', default: '3', doc: 'Replication factor of __transaction_state; created with fewer replicas (and a warning) when fewer brokers are alive, so one broker alone has 1.', min: 1 },
  { name: 'transaction.state.log.min.isr', type: 'int', default: '2', doc: 'min.insync.replicas of __transaction_state, at most its replication factor (one broker: 1). The transaction coordinator writes its state with acks=all: below this many in-sync replicas a state change is refused with a retriable COORDINATOR_NOT_AVAILABLE, as Kafka maps NOT_ENOUGH_REPLICAS for transactional clients.', min: 1 },
  { name: 'transaction.max.timeout.ms', type: 'int', default: '900000', doc: 'The largest transaction.timeout.ms a producer may ask for in InitProducerId (INVALID_TRANSACTION_TIMEOUT beyond): a longer timeout would let a hanging transaction hold read_committed consumers back longer.', min: 1 },
  { name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: '10000', doc: 'How often the transaction coordinator looks for transactions open longer than their timeout, and aborts them (fencing their producer with a new epoch).', min: 1 },
  { name: 'transaction.remove.expired.transaction.cleanup.interval.ms', type: 'int', default: '3600000', doc: 'How often the transaction coordinator removes transactional ids idle past transactional.id.expiration.ms.', min: 1 },
  { name: 'transaction.partition.verification.enable', type: 'boolean', default: 'true', doc: 'KIP-890 part 1: before the first transactional batch of a producer is appended to a partition, the transaction coordinator confirms the partition was added to its ongoing transaction (else INVALID_TXN_STATE, or TRANSACTION_ABORTABLE for Produce v11+), so that a late or stray batch cannot open a transaction that never ends.', dynamic: true },
  { name: 'strom.max.partitions', type: 'int', default: '4000', doc: 'Partitions this broker holds at most, internal topics included (which are never refused): CreateTopics, CreatePartitions and auto-creation beyond it get POLICY_VIOLATION. Each partition keeps one or two files open: keep the open-file limit (ulimit -n) well above twice this.', min: 1 },
  { name: 'strom.max.open.read.files', type: 'int', default: '4096', doc: 'Segment files the broker keeps open for reading; past it those read least recently (and not being sent) are closed, and opened again when read. Each partition also keeps its active segment open in its append worker, so the open-file limit (ulimit -n) must exceed this plus strom.max.partitions.', min: 1 },
  { name: 'strom.index.cache.max.bytes', type: 'long', default: '134217728', doc: 'Core memory for the offset and time indexes of inactive segments: loaded on first lookup, evicted least recently used first (the active segments\' indexes stay in memory besides). An index takes about 5 MiB per GiB of log at log.index.interval.bytes 4096.', min: 0, dynamic: true },
  { name: 'strom.append.workers', type: 'int', default: null, doc: 'Append worker threads (default: one per CPU core).', min: 1, max: 64 },
] as const satisfies readonly ConfigDef[];
export const BROKER_CONFIGS: readonly ConfigDef[] = BROKER_TABLE;

/** Topic configuration: key, the broker key it defaults to, and Kafka's type and default. */
export interface TopicConfigDef extends ConfigDef {
  /** Broker configs that give the default, most specific first (DescribeConfigs synonyms). */
  brokerSynonyms: readonly BrokerKey[];
}

const TOPIC_TABLE = [
  { name: 'cleanup.policy', type: 'list', default: 'delete', choices: ['delete', 'compact'], brokerSynonyms: ['log.cleanup.policy'], doc: 'delete, compact, or both.' },
  { name: 'compression.gzip.level', type: 'int', default: '-1', check: checkGzipLevel, brokerSynonyms: ['compression.gzip.level'], doc: 'gzip level (1-9, -1: the codec default) when compression.type is gzip.', effective: false },
  { name: 'compression.lz4.level', type: 'int', default: '9', min: 1, max: 17, brokerSynonyms: ['compression.lz4.level'], doc: 'lz4 level when compression.type is lz4.', effective: false },
  { name: 'compression.type', type: 'string', default: 'producer', choices: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'], brokerSynonyms: ['compression.type'], doc: 'Final compression of the topic.' },
  { name: 'compression.zstd.level', type: 'int', default: '3', min: -131072, max: 22, brokerSynonyms: ['compression.zstd.level'], doc: 'zstd level when compression.type is zstd.', effective: false },
  { name: 'delete.retention.ms', type: 'long', default: '86400000', min: 0, brokerSynonyms: ['log.cleaner.delete.retention.ms'], doc: 'How long tombstones are kept when compacting.' },
  { name: 'file.delete.delay.ms', type: 'long', default: '60000', min: 0, brokerSynonyms: ['log.segment.delete.delay.ms'], doc: 'Delay before a deleted segment is removed from disk.' },
  { name: 'flush.messages', type: 'long', default: LONG_MAX, min: 1, brokerSynonyms: ['log.flush.interval.messages'], doc: 'Records appended between fsyncs.' },
  { name: 'flush.ms', type: 'long', default: LONG_MAX, min: 0, brokerSynonyms: ['log.flush.interval.ms'], doc: 'Longest time between fsyncs.' },
  { name: 'follower.replication.throttled.replicas', type: 'list', default: '', check: checkThrottledReplicas, brokerSynonyms: [], doc: 'Replicas whose follower fetches are throttled (partitionId:brokerId, or *). One broker replicates nothing.', effective: false },
  { name: 'index.interval.bytes', type: 'int', default: '4096', min: 0, brokerSynonyms: ['log.index.interval.bytes'], doc: 'Bytes of log between offset index entries.' },
  { name: 'leader.replication.throttled.replicas', type: 'list', default: '', check: checkThrottledReplicas, brokerSynonyms: [], doc: 'Replicas whose leader side of replication is throttled (partitionId:brokerId, or *). One broker replicates nothing.', effective: false },
  { name: 'local.retention.bytes', type: 'long', default: '-2', min: -2, brokerSynonyms: ['log.local.retention.bytes'], doc: 'Tiered storage: local size limit (-2: retention.bytes). Strom has no tiered storage.', effective: false },
  { name: 'local.retention.ms', type: 'long', default: '-2', min: -2, brokerSynonyms: ['log.local.retention.ms'], doc: 'Tiered storage: how long segments stay local (-2: retention.ms). Strom has no tiered storage.', effective: false },
  { name: 'max.compaction.lag.ms', type: 'long', default: LONG_MAX, min: 1, brokerSynonyms: ['log.cleaner.max.compaction.lag.ms'], doc: 'Oldest a record gets before compaction must consider it.' },
  { name: 'max.message.bytes', type: 'int', default: '1048588', min: 0, brokerSynonyms: ['message.max.bytes'], doc: 'Largest record batch accepted.' },
  { name: 'message.downconversion.enable', type: 'boolean', default: 'true', brokerSynonyms: ['log.message.downconversion.enable'], doc: 'Down-convert for Fetch v0-3.' },
  { name: 'message.format.version', type: 'string', default: '3.0-IV1', check: checkMetadataVersion, brokerSynonyms: ['log.message.format.version'], doc: 'Deprecated (Kafka 3.0 ignores it): record batches are always written, and older fetchers get their format by down-conversion. A Kafka version such as 0.10.0 or 2.8.', effective: false },
  { name: 'message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, min: 0, brokerSynonyms: ['log.message.timestamp.after.max.ms'], doc: 'Largest lead of a CreateTime timestamp over the broker clock.' },
  { name: 'message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, min: 0, brokerSynonyms: ['log.message.timestamp.before.max.ms'], doc: 'Largest age of a CreateTime timestamp.' },
  { name: 'message.timestamp.difference.max.ms', type: 'long', default: LONG_MAX, min: 0, brokerSynonyms: ['log.message.timestamp.difference.max.ms'], doc: 'Largest difference between a CreateTime timestamp and the broker clock.' },
  { name: 'message.timestamp.type', type: 'string', default: 'CreateTime', choices: ['CreateTime', 'LogAppendTime'], brokerSynonyms: ['log.message.timestamp.type'], doc: 'CreateTime or LogAppendTime.' },
  { name: 'min.cleanable.dirty.ratio', type: 'double', default: '0.5', min: 0, max: 1, brokerSynonyms: ['log.cleaner.min.cleanable.ratio'], doc: 'Dirty ratio that makes the log eligible for compaction.' },
  { name: 'min.compaction.lag.ms', type: 'long', default: '0', min: 0, brokerSynonyms: ['log.cleaner.min.compaction.lag.ms'], doc: 'Youngest record age compaction may touch.' },
  { name: 'min.insync.replicas', type: 'int', default: '1', min: 1, brokerSynonyms: ['min.insync.replicas'], doc: 'Replicas acknowledging acks=all writes.' },
  { name: 'preallocate', type: 'boolean', default: 'false', brokerSynonyms: ['log.preallocate'], doc: 'Preallocate segment files.', effective: false },
  { name: 'remote.log.copy.disable', type: 'boolean', default: 'false', brokerSynonyms: [], doc: 'Tiered storage (KIP-950): stop copying segments to remote storage. Strom has no tiered storage.', effective: false },
  { name: 'remote.log.delete.on.disable', type: 'boolean', default: 'false', brokerSynonyms: [], doc: 'Tiered storage (KIP-950): delete remote data when remote.storage.enable is turned off. Strom has no tiered storage.', effective: false },
  { name: 'remote.storage.enable', type: 'boolean', default: 'false', brokerSynonyms: [], doc: 'Tiered storage (KIP-405) for this topic. Strom has no tiered storage: accepted, nothing is copied.', effective: false },
  { name: 'retention.bytes', type: 'long', default: '-1', brokerSynonyms: ['log.retention.bytes'], doc: 'Largest partition size before old segments are deleted.' },
  { name: 'retention.ms', type: 'long', default: '604800000', min: -1, brokerSynonyms: ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], doc: 'How long segments are kept (-1: forever).' },
  { name: 'segment.bytes', type: 'int', default: '1073741824', min: 14, brokerSynonyms: ['log.segment.bytes'], doc: 'Segment size at which it is rolled.' },
  { name: 'segment.index.bytes', type: 'int', default: '10485760', min: 4, brokerSynonyms: ['log.index.size.max.bytes'], doc: 'Largest offset index of a segment.' },
  { name: 'segment.jitter.ms', type: 'long', default: '0', min: 0, brokerSynonyms: ['log.roll.jitter.ms', 'log.roll.jitter.hours'], doc: 'Random jitter subtracted from segment.ms.' },
  { name: 'segment.ms', type: 'long', default: '604800000', min: 1, brokerSynonyms: ['log.roll.ms', 'log.roll.hours'], doc: 'Segment age at which it is rolled.' },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', brokerSynonyms: ['unclean.leader.election.enable'], doc: 'Whether a replica outside the ISR may become leader (a cluster only).' },
] as const satisfies readonly TopicConfigDef[];
export const TOPIC_CONFIGS: readonly TopicConfigDef[] = TOPIC_TABLE;

/** By name, for keys that come as strings at run time (files, requests). */
export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(BROKER_CONFIGS.map((d) => [d.name, d]));
export const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** What a value of each type is once parsed. */
interface ValueOfType {
  boolean: boolean;
  string: string;
  int: number;
  short: number;
  long: number;
  double: number;
  list: string[];
  class: string;
  password: string;
}

/** Types whose values are whole numbers, and numbers at all. */
export type IntegerType = 'int' | 'short' | 'long';
export type NumberType = IntegerType | 'double';

type BrokerDef = (typeof BROKER_TABLE)[number];
type TopicDef = (typeof TOPIC_TABLE)[number];

/** A broker key (of the given types). */
export type BrokerKey<T extends ConfigType = ConfigType> = Extract<BrokerDef, { type: T }>['name'];
/** A topic key (of the given types). */
export type TopicKey<T extends ConfigType = ConfigType> = Extract<TopicDef, { type: T }>['name'];

/** The value of broker key K: null where K has no default (unset is then null). */
export type BrokerValue<K extends BrokerKey> = Extract<BrokerDef, { name: K }> extends infer D extends BrokerDef
  ? ValueOfType[D['type']] | (D extends { default: null } ? null : never)
  : never;
/** The value of topic key K (every topic key has a default). */
export type TopicValue<K extends TopicKey> = ValueOfType[Extract<TopicDef, { name: K }>['type']];

/**
 * Broker keys with a unit other than the topic key's, and the factor to milliseconds
 * (log.retention.hours feeds retention.ms, and so on).
 */
export const UNIT_FACTORS: Record<string, number> = {
  'log.retention.minutes': 60_000,
  'log.retention.hours': 3_600_000,
  'log.roll.hours': 3_600_000,
  'log.roll.jitter.hours': 3_600_000,
};
