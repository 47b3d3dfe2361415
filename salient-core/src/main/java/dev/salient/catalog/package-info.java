/**
 * The models Salient knows by name, and getting their files onto disk verified.
 *
 * <p>{@link dev.salient.catalog.ModelCatalog} lists published models and example photos with URL, size and
 * sha256. {@link dev.salient.catalog.ModelResolver} turns a path, URL or catalog name into a local file,
 * looking in the cache ({@code SALIENT_HOME}, default {@code ~/.cache/salient}), then the mirror
 * ({@code SALIENT_MIRROR}, whose verified copy goes into the cache), then downloading with
 * {@link dev.salient.catalog.Downloader}.
 *
 * <p>Cache layout: {@code NAME} (a verified catalog file), {@code NAME.sha256} (marker: verified once, trusted
 * while size and mtime hold), {@code NAME.part} (an unfinished download, resumed next time), {@code NAME.lock}
 * (cross-process lock, there only while a download or copy runs), {@code url/HOST/NAME} (files fetched by plain
 * URL, unverified).
 */
package dev.salient.catalog;
