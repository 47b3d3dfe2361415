package dev.salient.cli;

import dev.salient.catalog.CatalogStatus;
import dev.salient.catalog.ModelCatalog;
import dev.salient.catalog.ResolverSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code salient models}: the catalog and what is available locally; {@code models pull NAME} downloads ahead. */
@Command(name = "models", mixinStandardHelpOptions = true, subcommands = ModelsCommand.Pull.class,
        description = "List the model catalog and which models are cached or in the mirror.")
public final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        ResolverSettings settings = ResolverSettings.fromEnvironment();
        System.out.printf("%-30s %-7s %-9s %s%n", "NAME", "FORMAT", "SIZE", "AVAILABLE");
        for (CatalogStatus s : ModelCatalog.builtIn().status(settings)) {
            String where = s.inMirror() ? "mirror" : s.cached() ? "cached" : "download on first use";
            System.out.printf("%-30s %-7s %6.1f MB %s%s%n", s.entry().name() + (s.entry().isDefault() ? " *" : ""),
                    s.entry().format(), s.entry().size() / 1e6, where, s.location() == null ? "" : " (" + s.location() + ")");
        }
        System.out.println("* default model. Cache: " + settings.cache()
                + (settings.mirror() == null ? "" : "; mirror: " + settings.mirror()));
        return 0;
    }

    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Download a catalog model (and its labels) now.")
    static final class Pull implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "Catalog name.")
        String name;

        @Mixin
        ModelOptions modelOptions;

        @Override
        public Integer call() throws Exception {
            modelOptions.model = name;
            System.out.println(modelOptions.resolve().describe());
            return 0;
        }
    }
}
