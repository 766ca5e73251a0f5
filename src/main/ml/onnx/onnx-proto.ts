// ONNX models written and read through protobufjs, with the subset of onnx.proto the exporter needs.
import protobuf from 'protobufjs';
import ONNX_PROTO_SUBSET from './onnx-subset.proto?raw';

export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ATTRIBUTE_INT = 2;
export const ATTRIBUTE_INTS = 7;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  i?: number;
  ints?: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}

/** A tensor value: [n, …] where a string dimension is symbolic (the batch). */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue: number } | { dimParam: string }> } } };
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: Array<{ domain: string; version: number }>;
  graph: { name: string; node: OnnxNode[]; initializer: OnnxTensor[]; input: OnnxValueInfo[]; output: OnnxValueInfo[] };
}

let modelType: protobuf.Type | undefined;

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  modelType ??= protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: false }).root.lookupType('onnx.ModelProto');
  const message = modelType.fromObject(model);
  return modelType.encode(message).finish();
}

/** Decodes what encodeOnnxModel wrote (for tests and inspection). */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  modelType ??= protobuf.parse(ONNX_PROTO_SUBSET, { keepCase: false }).root.lookupType('onnx.ModelProto');
  return modelType.toObject(modelType.decode(bytes), { longs: Number, defaults: false }) as OnnxModel;
}

export function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  return { name, dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

export function tensorValue(name: string, elemType: number, dims: Array<number | string>): OnnxValueInfo {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}
