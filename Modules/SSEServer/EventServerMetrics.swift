import Metrics

/// The swift-metrics instruments of one ``EventServer``.
///
/// Labels (after ``EventServer/Configuration/metricsLabelPrefix``): `_connections` (meter:
/// open event streams), `_events_published`, `_events_delivered` (one per event per
/// subscriber), `_events_replayed`, `_slow_consumer_disconnects` (counters).
final class EventServerMetrics: Sendable {
    private let connections: Meter
    private let published: Counter
    private let deliveredEvents: Counter
    private let replayedEvents: Counter
    private let slowConsumers: Counter

    init(prefix: String, factory: any MetricsFactory) {
        connections = Meter(label: prefix + "_connections", dimensions: [], factory: factory)
        published = Counter(label: prefix + "_events_published", dimensions: [], factory: factory)
        deliveredEvents = Counter(label: prefix + "_events_delivered", dimensions: [], factory: factory)
        replayedEvents = Counter(label: prefix + "_events_replayed", dimensions: [], factory: factory)
        slowConsumers = Counter(label: prefix + "_slow_consumer_disconnects", dimensions: [], factory: factory)
    }

    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }
    func publishedEvent() { published.increment() }
    func delivered(_ count: Int) { if count > 0 { deliveredEvents.increment(by: count) } }
    func replayed(_ count: Int) { if count > 0 { replayedEvents.increment(by: count) } }
    func slowConsumerDisconnected() { slowConsumers.increment() }
}
