/**
 * Attribution methods on top of the differentiation engine (Captum-style).
 *
 * <p>An {@link dev.salient.attribution.AttributionMethod} is built once with its typed parameters (e.g.
 * {@link dev.salient.attribution.SmoothGrad.Params}) and applied to an
 * {@link dev.salient.attribution.AttributionRequest} (model, one input in the model's layout, target class, head);
 * it returns an {@link dev.salient.attribution.Attribution} (values, shape, diagnostics) and reports progress to a
 * {@link dev.salient.attribution.ProgressListener}, which can also cancel it. Many-sample methods run their
 * samples in chunks through one reused gradient session ({@link dev.salient.attribution.Batching}).
 * Each method class declares a {@link dev.salient.attribution.MethodDescription} (name, title, formula, typed
 * {@link dev.salient.attribution.ParameterDescription parameters} with defaults and limits, and
 * {@link dev.salient.attribution.MethodTraits traits}) and a factory from checked values;
 * {@link dev.salient.attribution.AttributionMethods} lists them, and the CLI, the web app and the API docs are derived
 * from them. {@link dev.salient.attribution.ExplainerExporter} saves an explainer as a standalone ONNX model.
 *
 * <p>Pixel methods assume nothing about layout; spatial ones (Grad-CAM upsampling in guided Grad-CAM, the blurred
 * IG baseline, occlusion) address pixels through an {@link dev.salient.attribution.ImageGeometry} built from the
 * request's explicit {@link dev.salient.image.Layout} (NCHW [C, H, W] or NHWC [H, W, C], e.g. the Coral TFLite
 * MobileNetV2); build requests for a loaded classifier with
 * {@link dev.salient.attribution.AttributionRequest#of}, which takes the layout from its preprocessing.
 * Input-shaped results keep the input's shape and layout. Grad-CAM layers are inner tensors, NCHW in ONNX whatever
 * the input layout. Custom IG baselines ({@code Baseline.Custom}) exist only in the Java API.
 */
package dev.salient.attribution;
