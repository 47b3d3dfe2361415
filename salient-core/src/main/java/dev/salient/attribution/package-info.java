/**
 * Attribution methods on top of the differentiation engine (Captum-style).
 *
 * <p>An {@link dev.salient.attribution.AttributionMethod} is built once with its typed parameters (e.g.
 * {@link dev.salient.attribution.SmoothGrad.Params}) and applied to an
 * {@link dev.salient.attribution.AttributionRequest} (model, one input in the model's layout, target class, head);
 * it returns an {@link dev.salient.attribution.Attribution} (values, shape, diagnostics) and reports progress to a
 * {@link dev.salient.attribution.ProgressListener}, which can also cancel it. Many-sample methods run their
 * samples in chunks through one reused gradient session ({@link dev.salient.attribution.Batching}).
 * {@link dev.salient.attribution.AttributionMethods} lists every method by name with string defaults for the CLI
 * and the web UI; {@link dev.salient.attribution.ExplainerExporter} saves an explainer as a standalone ONNX model.
 *
 * <p>Pixel methods assume nothing about layout; spatial ones (Grad-CAM upsampling, blur baseline, occlusion) need
 * an NCHW image input. Custom IG baselines ({@code Baseline.Custom}) exist only in the Java API.
 */
package dev.salient.attribution;
