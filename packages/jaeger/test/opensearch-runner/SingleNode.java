import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.action.admin.indices.create.CreateIndexResponse;
import org.opensearch.action.support.ActiveShardCount;
import org.opensearch.common.action.ActionFuture;
import org.opensearch.cluster.ClusterState;
import org.opensearch.cluster.ClusterStateUpdateTask;
import org.opensearch.cluster.metadata.IndexMetadata;
import org.opensearch.cluster.metadata.Metadata;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.settings.Settings;

/**
 * One OpenSearch node inside this JVM, bound to 127.0.0.1 only, plain HTTP (the runner ships no
 * security plugin). Stops on SIGTERM.
 *
 * Usage: SingleNode HOME_DIR HTTP_PORT TRANSPORT_PORT [BACKDATED_INDICES_FILE]
 *
 * The optional file lists "index-name creation-epoch-millis" per line: those indices are created
 * (unless the data directory already holds them) before the node reports ready, with
 * index.creation_date set to the given instant. Retention tools
 * decide by that date, and OpenSearch refuses it from clients (it is a private setting), so the
 * only way to have a "ten-day-old" index on a fresh node is to write it into the cluster state.
 */
public final class SingleNode {
    private static final String LOG4J2 = String.join("\n",
            "status = error",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.console.ref = console",
            "logger.node.name = org.opensearch.node.Node",
            "logger.node.level = info",
            // OpenSearch routes System.out through this logger.
            "logger.stdout.name = stdout",
            "logger.stdout.level = info",
            "");

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: SingleNode HOME_DIR HTTP_PORT TRANSPORT_PORT [BACKDATED_INDICES_FILE]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        String httpPort = args[1];
        String transportPort = args[2];
        Path conf = home.resolve("node_1").resolve("config");
        Files.createDirectories(conf);
        Files.writeString(conf.resolve("log4j2.properties"), LOG4J2);

        OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((number, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("discovery.type", "single-node");
            // Test machines have small, busy disks: never block writes on a watermark.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        runner.build("-numOfNode", "1", "-clusterName", "meshobs-test", "-basePath", home.toString());
        if (args.length == 4) {
            createBackdated(runner, Path.of(args[3]));
        }
        System.out.println("opensearch ready on http://127.0.0.1:" + httpPort);
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }

    private static void createBackdated(OpenSearchRunner runner, Path file) throws Exception {
        Map<String, Long> created = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2) {
                created.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        Settings oneShard = Settings.builder().put("index.number_of_shards", 1).put("index.number_of_replicas", 0).build();
        // Created concurrently, without waiting for shards one by one: ensureGreen below waits once.
        List<ActionFuture<CreateIndexResponse>> pending = new ArrayList<>();
        for (String index : created.keySet()) {
            if (!runner.indexExists(index)) {
                pending.add(runner.client().admin().indices().prepareCreate(index).setSettings(oneShard)
                        .setWaitForActiveShards(ActiveShardCount.NONE).execute());
            }
        }
        for (ActionFuture<CreateIndexResponse> p : pending) {
            p.actionGet();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ClusterService clusterService = runner.node().injector().getInstance(ClusterService.class);
        clusterService.submitStateUpdateTask("backdate test indices", new ClusterStateUpdateTask() {
            @Override
            public ClusterState execute(ClusterState current) {
                Metadata.Builder metadata = Metadata.builder(current.metadata());
                created.forEach((index, millis) -> {
                    IndexMetadata existing = current.metadata().index(index);
                    metadata.put(IndexMetadata.builder(existing).creationDate(millis)
                            .settingsVersion(existing.getSettingsVersion() + 1).build(), true);
                });
                return ClusterState.builder(current).metadata(metadata).build();
            }

            @Override
            public void onFailure(String source, Exception e) {
                done.completeExceptionally(e);
            }

            @Override
            public void clusterStateProcessed(String source, ClusterState oldState, ClusterState newState) {
                done.complete(null);
            }
        });
        done.get(60, TimeUnit.SECONDS);
        runner.ensureGreen(created.keySet().toArray(new String[0]));
    }
}
