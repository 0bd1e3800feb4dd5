/**
 * /metrics asks for `Authorization: Bearer $TAVOLO_METRICS_TOKEN`: every test app and server
 * process started by the test support is given this token, and scrapes send it.
 */
export const testMetricsToken = 'tavolo-test-metrics-token';

/** The Prometheus text of a node (`url` is its origin, e.g. http://127.0.0.1:3000). */
export async function scrapeMetrics(url: string): Promise<string> {
	const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
	if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
	return response.text();
}
