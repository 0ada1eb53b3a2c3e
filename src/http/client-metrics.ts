// The metrics clients push (KIP-714, telemetry/client-telemetry.ts) on /metrics, beside the
// broker's own: producer and consumer health in one place. Each client's latest value of each
// series, labelled with who the client is (client_instance_id, client_id, and the software it
// named in ApiVersions), the OTLP metric name (metric), and the data point's attributes
// (node.id becomes node_id). Monotonic sums are counters (strom_client_metric_total), the rest
// gauges (strom_client_metric). The label sets vary by client, which prom-client's metric
// classes cannot express: these families are registered as plain metric objects.
import type { Metric, Registry } from 'prom-client';
import type { ClientInstance, ClientTelemetry } from '../telemetry/client-telemetry.js';

type Labels = Record<string, string>;
interface Sample { labels: Labels; value: number }

/** Strom's own labels: a client attribute by one of these names gets an attribute_ prefix. */
const RESERVED = new Set(['client_instance_id', 'client_id', 'client_software_name', 'client_software_version', 'client_address', 'metric']);

/** An attribute key as a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, not __-prefixed, not ours). */
export function labelName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name) || name.startsWith('__')) name = `attribute_${name}`;
  return RESERVED.has(name) ? `attribute_${name}` : name;
}

function clientLabels(client: ClientInstance): Labels {
  return {
    client_instance_id: client.id,
    client_id: client.identity.clientId ?? '',
    client_software_name: client.identity.softwareName ?? '',
    client_software_version: client.identity.softwareVersion ?? '',
  };
}

/** A metric family computed at scrape time from the telemetry store. */
function family(registry: Registry, name: string, help: string, type: 'gauge' | 'counter', samples: () => Sample[]): void {
  const metric = {
    name, help, type, aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
    reset() {},
  };
  registry.registerMetric(metric as unknown as Metric);
}

export function registerClientMetrics(registry: Registry, telemetry: () => ClientTelemetry): void {
  const series = (kind: 'gauge' | 'counter') => (): Sample[] => {
    const out: Sample[] = [];
    for (const client of telemetry().clients()) {
      const base = clientLabels(client);
      for (const s of client.series.values()) {
        if (s.kind !== kind) continue;
        const labels: Labels = { ...base, metric: s.name };
        for (const [key, value] of s.attributes) labels[labelName(key)] = value;
        out.push({ labels, value: s.value });
      }
    }
    return out;
  };
  family(registry, 'strom_client_metric', 'Metrics clients push (KIP-714 client telemetry), latest value per client and series: gauges and non-monotonic sums. metric is the client\'s metric name; strom.telemetry.metrics chooses which are asked for.', 'gauge', series('gauge'));
  family(registry, 'strom_client_metric_total', 'Metrics clients push (KIP-714 client telemetry), latest cumulative value per client and series: monotonic sums, and histograms\' .count and .sum.', 'counter', series('counter'));
  family(registry, 'strom_client_info', 'One series per client pushing telemetry: who it is, where it connects from, and the resource attributes it sent.', 'gauge', () =>
    telemetry().clients().map((client) => {
      const labels: Labels = {};
      for (const [key, value] of Object.entries(client.resource)) labels[labelName(key)] = value;
      return { labels: { ...labels, ...clientLabels(client), client_address: client.identity.address }, value: 1 };
    }));
  family(registry, 'strom_client_telemetry_clients', 'Client instances the broker keeps telemetry state for (strom.telemetry.max.clients bounds them).', 'gauge', () => [{ labels: {}, value: telemetry().size }]);
  family(registry, 'strom_client_telemetry_pushes_total', 'PushTelemetry requests by result: ok, or the error answered.', 'counter', () =>
    [...telemetry().stats.pushes].map(([result, value]) => ({ labels: { result }, value })));
  family(registry, 'strom_client_telemetry_series_dropped_total', 'Pushed series dropped because their client had strom.telemetry.client.max.series already.', 'counter', () => [{ labels: {}, value: telemetry().stats.seriesDropped }]);
  family(registry, 'strom_client_telemetry_clients_refused_total', 'New clients given an empty subscription because strom.telemetry.max.clients were known.', 'counter', () => [{ labels: {}, value: telemetry().stats.clientsRefused }]);
  family(registry, 'strom_client_telemetry_clients_expired_total', 'Client instances forgotten after strom.telemetry.client.expiry.ms without a request.', 'counter', () => [{ labels: {}, value: telemetry().stats.clientsExpired }]);
}
