package dev.salient.spark;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/** The driver's Hadoop configuration (file systems, credentials) shipped to executors: Configuration is Writable. */
final class HadoopConfiguration implements Serializable {
    private transient Configuration configuration;

    HadoopConfiguration(Configuration configuration) {
        this.configuration = configuration;
    }

    Configuration get() {
        return configuration;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        configuration.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        configuration = new Configuration(false);
        configuration.readFields(in);
    }
}
