package dev.salient.audit;

import java.nio.file.Path;

/** A local audit of the test dataset in a JVM of its own, for a test to kill half-way: {@code DATASET OUT}. */
public final class LocalAuditProcess {
    private LocalAuditProcess() {}

    public static void main(String[] args) throws Exception {
        LocalAudit.run(AuditModel.classifier(), AuditModel.bundle().fingerprint(), AuditInput.parse(args[0]),
                AuditModel.gradcam(), Path.of(args[1]), 2, LocalAudit.Progress.NONE);
        System.exit(0);
    }
}
