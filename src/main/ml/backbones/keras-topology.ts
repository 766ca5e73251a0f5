/** The parts of a Keras 2 functional model's JSON topology that splitting and truncating read. */
export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  /** [[[sourceLayer, nodeIndex, tensorIndex, kwargs], ...], ...] */
  inbound_nodes?: unknown[];
}

export interface KerasModel {
  class_name?: string;
  config: { name?: string; layers: KerasLayer[]; input_layers?: unknown; output_layers?: unknown };
}
