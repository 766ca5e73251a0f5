// A user's ONNX file opened for images: one image input, [n, 3, h, w] (NCHW, as PyTorch exports) or
// [n, h, w, 3] (NHWC), float32 or uint8, square; named outputs read per image. Whatever ONNX Runtime
// refuses, or Gradedesk cannot feed, becomes one sentence that names the file.
import fs from 'node:fs';
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { OnnxPixelScaling } from '../../../shared/ml';
import { createOnnxSession, loadOnnxRuntime, type OnnxProvider } from './runtime';

type InferenceSession = import('onnxruntime-node').InferenceSession;

export type { OnnxPixelScaling };

export interface OnnxImageInput {
  name: string;
  layout: 'nchw' | 'nhwc';
  type: 'float32' | 'uint8';
  size: number;
  /** A batch dimension fixed in the file (1, mostly); null when it is symbolic. */
  fixedBatch: number | null;
}

export interface OnnxOutput {
  name: string;
  /** Dimensions after the batch, symbolic ones as strings. */
  shape: Array<number | string>;
}

export interface OpenedOnnxModel {
  file: string;
  input: OnnxImageInput;
  outputs: OnnxOutput[];
  provider: OnnxProvider;
  /** Model-ready pixels (size × size × 3, 0..255) → each named output, one row per image (rank-4 outputs as they are). */
  run(pixels: readonly Uint8Array[], outputs: readonly string[]): Promise<Map<string, { rows: Float32Array[]; dims: number[] }>>;
  dispose(): Promise<void>;
}

/** ONNX Runtime's load error as a sentence about the file, when the file is at fault. */
export function onnxLoadError(file: string, error: unknown): GradedeskError | null {
  const message = (error as Error).message ?? String(error);
  const name = path.basename(file);
  const operator = /No Op registered for (\S+) with domain_version of (\d+)/.exec(message) ?? /Could not find an implementation for (\S+)\((\d+)\)/.exec(message);
  if (operator) {
    return new GradedeskError('unsupported', `${name} uses the operator ${operator[1]} (opset ${operator[2]}), which ONNX Runtime cannot run. Export the model with standard ONNX operators (opset 13–21) and try again.`);
  }
  if (/Protobuf parsing failed|failed:.*(protobuf|parse)|Load model .* failed|INVALID_PROTOBUF|Invalid model|invalid model|ModelProto does not have a graph/i.test(message)) {
    return new GradedeskError('invalid', `${name} is not an ONNX model ONNX Runtime can read (${message.split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 240)}).`);
  }
  return null;
}

function unreadable(file: string, error: unknown): GradedeskError {
  const message = ((error as Error).message ?? String(error)).split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 240);
  return new GradedeskError('invalid', `ONNX Runtime cannot open ${path.basename(file)} (${message}).`);
}

export async function openOnnxModel(file: string, options: { scaling: OnnxPixelScaling; inputSize?: number }): Promise<OpenedOnnxModel> {
  const resolved = path.resolve(file);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) throw new GradedeskError('not-found', `There is no ONNX file at ${resolved}.`);
  // Whatever the CPU provider cannot load is the file's fault; on another provider only what names the file is.
  const { session, provider } = await createOnnxSession(resolved, (error, on) => onnxLoadError(resolved, error) ?? (on === 'cpu' ? unreadable(resolved, error) : null));
  try {
    const input = imageInput(session, path.basename(resolved), options.inputSize);
    const outputs = session.outputMetadata.map((meta) => ({ name: meta.name, shape: meta.isTensor ? [...meta.shape].slice(1) : [] }));
    const ort = await loadOnnxRuntime();
    const run: OpenedOnnxModel['run'] = async (pixels, names) => {
      const result = new Map<string, { rows: Float32Array[]; dims: number[] }>();
      names.forEach((name) => result.set(name, { rows: [], dims: [] }));
      const batch = input.fixedBatch ?? Math.max(pixels.length, 1);
      for (let start = 0; start < pixels.length; start += batch) {
        const chunk = pixels.slice(start, start + batch);
        const fed = new ort.Tensor(input.type, inputValues(chunk, input, options.scaling), input.layout === 'nchw' ? [chunk.length, 3, input.size, input.size] : [chunk.length, input.size, input.size, 3]);
        const outputs = await session.run({ [input.name]: fed }, [...names]);
        for (const name of names) {
          const tensor = outputs[name]!;
          const data = Float32Array.from(tensor.data as Float32Array);
          const perImage = data.length / chunk.length;
          const entry = result.get(name)!;
          entry.dims = tensor.dims.slice(1).map(Number);
          for (let i = 0; i < chunk.length; i++) entry.rows.push(data.slice(i * perImage, (i + 1) * perImage));
        }
      }
      return result;
    };
    return { file: resolved, input, outputs, provider, run, dispose: () => session.release() };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function imageInput(session: InferenceSession, name: string, requestedSize: number | undefined): OnnxImageInput {
  if (session.inputMetadata.length !== 1) {
    throw new GradedeskError('invalid', `${name} takes ${session.inputMetadata.length} inputs (${session.inputNames.join(', ')}); Gradedesk feeds one image input.`);
  }
  const meta = session.inputMetadata[0]!;
  if (!meta.isTensor) throw new GradedeskError('invalid', `${name}'s input ${meta.name} is not a tensor; Gradedesk feeds an image tensor.`);
  const shape = [...meta.shape];
  const described = `[${shape.join(', ')}]`;
  if (shape.length !== 4) {
    throw new GradedeskError('invalid', `${name} takes a rank-${shape.length} input ${described}; Gradedesk feeds images as [n, 3, height, width] or [n, height, width, 3].`);
  }
  if (meta.type !== 'float32' && meta.type !== 'uint8') {
    throw new GradedeskError('invalid', `${name} takes ${meta.type} input; Gradedesk feeds float32 (or uint8) pixels.`);
  }
  const layout = shape[1] === 3 ? 'nchw' : shape[3] === 3 ? 'nhwc' : null;
  if (!layout) throw new GradedeskError('invalid', `${name} takes ${described}, which has no channel dimension of 3; Gradedesk feeds RGB images as [n, 3, height, width] or [n, height, width, 3].`);
  const [height, width] = layout === 'nchw' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  let size: number;
  if (typeof height === 'number' && typeof width === 'number') {
    if (height !== width) throw new GradedeskError('invalid', `${name} takes ${height} × ${width} images; Gradedesk prepares square images, so it needs a square input.`);
    if (height < 32 || height > 1024) throw new GradedeskError('invalid', `${name} takes ${height}-pixel images; Gradedesk prepares images of 32 to 1024 pixels.`);
    if (requestedSize !== undefined && requestedSize !== height) throw new GradedeskError('invalid', `${name} takes ${height}-pixel images, not ${requestedSize}.`);
    size = height;
  } else {
    if (requestedSize === undefined) throw new GradedeskError('invalid', `${name} takes ${described}, whose image size is not fixed; give the size it was trained at (--size).`);
    size = requestedSize;
  }
  const batch = shape[0];
  return { name: meta.name, layout, type: meta.type, size, fixedBatch: typeof batch === 'number' ? batch : null };
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Per-channel (scale, offset) that maps a 0..255 byte to the model's input value. */
function scalingOf(kind: OnnxPixelScaling): Array<[number, number]> {
  switch (kind) {
    case 'raw':
      return [[1, 0], [1, 0], [1, 0]];
    case 'unit':
      return [[1 / 255, 0], [1 / 255, 0], [1 / 255, 0]];
    case 'symmetric':
      return [[1 / 127.5, -1], [1 / 127.5, -1], [1 / 127.5, -1]];
    case 'imagenet':
      return IMAGENET_MEAN.map((mean, c) => [1 / (255 * IMAGENET_STD[c]!), -mean / IMAGENET_STD[c]!]);
  }
}

/** Interleaved RGB bytes → the input tensor's values (uint8 inputs take the bytes as they are). */
export function inputValues(pixels: readonly Uint8Array[], input: Pick<OnnxImageInput, 'layout' | 'type' | 'size'>, scaling: OnnxPixelScaling): Float32Array | Uint8Array {
  const area = input.size * input.size;
  for (const image of pixels) {
    if (image.length !== area * 3) throw new GradedeskError('invalid', `Model-ready pixels must be ${input.size}×${input.size}×3 bytes, not ${image.length}.`);
  }
  if (input.type === 'uint8' && input.layout === 'nhwc') {
    const out = new Uint8Array(pixels.length * area * 3);
    pixels.forEach((image, i) => out.set(image, i * area * 3));
    return out;
  }
  const scale = input.type === 'uint8' ? scalingOf('raw') : scalingOf(scaling);
  const out = input.type === 'uint8' ? new Uint8Array(pixels.length * area * 3) : new Float32Array(pixels.length * area * 3);
  pixels.forEach((image, i) => {
    const base = i * area * 3;
    for (let p = 0; p < area; p++) {
      for (let c = 0; c < 3; c++) {
        const [s, o] = scale[c]!;
        out[input.layout === 'nchw' ? base + c * area + p : base + p * 3 + c] = image[p * 3 + c]! * s + o;
      }
    }
  });
  return out;
}

/** The output `name`, or a sentence listing the outputs the file has. */
export function requireOutput(model: Pick<OpenedOnnxModel, 'file' | 'outputs'>, name: string, flag: string): OnnxOutput {
  const output = model.outputs.find((o) => o.name === name);
  if (!output) {
    throw new GradedeskError('invalid', `${path.basename(model.file)} has no output "${name}" (${flag}); its outputs are ${model.outputs.map((o) => `${o.name} [n, ${o.shape.join(', ')}]`).join(', ')}.`);
  }
  return output;
}
