// src/http/client-metrics.ts: what clients push, as /metrics shows it (Prometheus text):
// gauges and counters per client and series, labelled with the client, the metric name and the
// data point's attributes as label names; an info series per client; the store's counters.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { labelName, registerClientMetrics } from '../../../src/http/client-metrics.js';
import { ClientTelemetry, type TelemetrySettings } from '../../../src/telemetry/client-telemetry.js';
import { ZERO_UUID } from '../../../src/protocol/codec.js';
import { encodeMetricsData } from '../../helpers/otlp.js';

const SETTINGS: TelemetrySettings = {
  metrics: ['org.apache.kafka.'], pushIntervalMs: 1000, maxBytes: 1 << 20, maxUncompressedBytes: 1 << 22, maxClients: 10, maxSeriesPerClient: 100, expiryMs: 60_000,
};

describe('client metrics on /metrics', () => {
  it('label names: attribute keys made Prometheus-safe, Strom\'s own names kept apart', () => {
    expect(['node.id', 'topic', 'client-rack', '1x', '__name__', 'metric', 'client_id', ''].map(labelName)).toEqual([
      'node_id', 'topic', 'client_rack', 'attribute_1x', 'attribute___name__', 'attribute_metric', 'attribute_client_id', 'attribute_',
    ]);
  });

  it('shows each client\'s latest values with who it is, and the telemetry counters', async () => {
    const telemetry = new ClientTelemetry(() => SETTINGS);
    const registry = new Registry();
    registerClientMetrics(registry, () => telemetry);
    const sub = telemetry.subscribe(ZERO_UUID, { clientId: 'orders "app"', softwareName: 'librdkafka', softwareVersion: '2.12.0', address: '127.0.0.1:5000' });
    const point = (attributes: Record<string, string>, asDouble: number) => ({ asDouble, attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })) });
    const code = await telemetry.push({
      clientInstanceId: sub.clientInstanceId, subscriptionId: sub.subscriptionId, terminating: false, compressionType: 0,
      metrics: encodeMetricsData({
        resourceMetrics: [{
          resource: { attributes: [{ key: 'group_id', value: { stringValue: 'g1' } }] },
          scopeMetrics: [{
            metrics: [
              { name: 'org.apache.kafka.consumer.fetch.manager.fetch.latency.avg', gauge: { dataPoints: [point({ 'node.id': '1' }, 2.5), point({ 'node.id': '-1' }, 4)] } },
              { name: 'org.apache.kafka.consumer.connection.creation.total', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [point({ metric: 'clash' }, 3)] } },
            ],
          }],
        }],
      }),
    }, { clientId: 'orders "app"', softwareName: 'librdkafka', softwareVersion: '2.12.0', address: '127.0.0.1:5000' });
    expect(code).toBe(0);
    const text = await registry.metrics();
    const who = `client_instance_id="${sub.clientInstanceId}",client_id="orders \\"app\\"",client_software_name="librdkafka",client_software_version="2.12.0"`;
    expect(text).toContain('# TYPE strom_client_metric gauge');
    expect(text).toContain(`strom_client_metric{${who},metric="org.apache.kafka.consumer.fetch.manager.fetch.latency.avg",node_id="1"} 2.5`);
    expect(text).toContain(`strom_client_metric{${who},metric="org.apache.kafka.consumer.fetch.manager.fetch.latency.avg",node_id="-1"} 4`);
    expect(text).toContain('# TYPE strom_client_metric_total counter');
    expect(text).toContain(`strom_client_metric_total{${who},metric="org.apache.kafka.consumer.connection.creation.total",attribute_metric="clash"} 3`);
    expect(text).toContain(`strom_client_info{group_id="g1",${who},client_address="127.0.0.1:5000"} 1`);
    expect(text).toContain('strom_client_telemetry_clients 1');
    expect(text).toContain('strom_client_telemetry_pushes_total{result="ok"} 1');
    expect(text).toContain('strom_client_telemetry_series_dropped_total 0');

    // The client says goodbye: its series leave at once.
    await telemetry.push({ clientInstanceId: sub.clientInstanceId, subscriptionId: sub.subscriptionId, terminating: true, compressionType: 0, metrics: Buffer.alloc(0) }, { clientId: 'orders "app"', softwareName: 'librdkafka', softwareVersion: '2.12.0', address: '127.0.0.1:5000' });
    const after = await registry.metrics();
    expect(after).not.toContain('strom_client_metric{');
    expect(after).not.toContain('strom_client_info{');
  });
});
