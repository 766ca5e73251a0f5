// The backbones a model can be trained on: the one bundled with the app, and those the user added
// from a model.json on disk or from a URL (downloaded once, checked against its sha256).
import path from 'node:path';
import { GradedeskError } from '../../../shared/errors';
import type { BackboneInfo, Normalisation } from '../../../shared/ml';
import type { BackboneStore, StoredBackbone } from '../../store/backbones';
import { extractNsfwjsModel } from './nsfwjs-bundle';

export const DEFAULT_BACKBONE_ID = 'mobilenet-v2-nsfwjs';

/** Sizes a fully convolutional backbone accepts; the classifier-free top keeps any multiple of 32 valid. */
const CONVOLUTIONAL_SIZES = [96, 128, 160, 192, 224, 256, 299, 384, 448];

export const BUNDLED_BACKBONES: readonly BackboneInfo[] = [
  {
    id: DEFAULT_BACKBONE_ID,
    name: 'MobileNetV2 (bundled, from nsfwjs 4.4.0)',
    format: 'layers',
    source: 'bundled',
    location: 'nsfwjs@4.4.0 mobilenet_v2',
    featureLayer: 'out_relu',
    inputSizes: CONVOLUTIONAL_SIZES,
    defaultInputSize: 224,
    normalisation: 'unit',
    note:
      'ImageNet MobileNetV2 whose later blocks were fine-tuned by nsfwjs on web photographs, another ' +
      'photo domain than retinal, skin or microscopy images. Its features are generic; expect a backbone ' +
      'trained on medical images to do better.',
  },
];

export interface AddBackboneRequest {
  id: string;
  name?: string;
  /** A model.json or .onnx path (source 'file') or a model.json URL (source 'url'). */
  location: string;
  format: BackboneInfo['format'];
  featureLayer: string;
  inputSizes?: number[];
  defaultInputSize?: number;
  normalisation?: Normalisation;
  sha256?: string;
  size?: number;
}

export class BackboneRegistry {
  constructor(
    private readonly stored: BackboneStore,
    private readonly cacheDir: string,
  ) {}

  list(): BackboneInfo[] {
    return [...BUNDLED_BACKBONES, ...this.stored.list().map(publicInfo)];
  }

  get(id: string): StoredBackbone {
    const bundled = BUNDLED_BACKBONES.find((b) => b.id === id);
    if (bundled) return bundled;
    const stored = this.stored.get(id);
    if (!stored) {
      throw new GradedeskError('not-found', `There is no backbone "${id}". Known: ${this.list().map((b) => b.id).join(', ')}.`);
    }
    return stored;
  }

  /** Refuses a request `add` would refuse for its id or location, before anything is read (an ONNX file is opened first). */
  checkNew(request: Pick<AddBackboneRequest, 'id' | 'location' | 'format' | 'sha256'>): void {
    if (!/^[a-z0-9][a-z0-9._-]{0,79}$/i.test(request.id)) {
      throw new GradedeskError('invalid', `A backbone id is letters, digits, dots, dashes or underscores (up to 80), not "${request.id}".`);
    }
    if (BUNDLED_BACKBONES.some((b) => b.id === request.id) || this.stored.has(request.id)) {
      throw new GradedeskError('conflict', `A backbone "${request.id}" already exists.`);
    }
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(request.location);
    if (isUrl && request.format === 'onnx') {
      throw new GradedeskError('invalid', 'An ONNX backbone is added from a .onnx file on this computer; download it first.');
    }
    if (isUrl && !/^https?:\/\//i.test(request.location)) {
      throw new GradedeskError('invalid', `Backbones download over http or https only, not ${request.location}.`);
    }
    if (isUrl && !/^[0-9a-f]{64}$/i.test(request.sha256 ?? '')) {
      throw new GradedeskError('invalid', 'A backbone from a URL needs the sha256 of its model.json (64 hex digits), to know the download is the right file.');
    }
  }

  add(request: AddBackboneRequest): BackboneInfo {
    this.checkNew(request);
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(request.location);
    const inputSizes = request.inputSizes ?? [request.defaultInputSize ?? 224];
    const spec: StoredBackbone = {
      id: request.id,
      name: request.name ?? request.id,
      format: request.format,
      source: isUrl ? 'url' : 'file',
      location: isUrl ? request.location : path.resolve(request.location),
      featureLayer: request.featureLayer,
      inputSizes,
      defaultInputSize: request.defaultInputSize ?? inputSizes[0]!,
      normalisation: request.normalisation ?? 'unit',
      note: null,
      ...(isUrl ? { sha256: request.sha256!.toLowerCase(), ...(request.size ? { size: request.size } : {}) } : {}),
    };
    if (!spec.inputSizes.includes(spec.defaultInputSize)) {
      throw new GradedeskError('invalid', `The default input size ${spec.defaultInputSize} is not one of ${spec.inputSizes.join(', ')}.`);
    }
    this.stored.add(spec);
    return publicInfo(spec);
  }

  remove(id: string): void {
    if (BUNDLED_BACKBONES.some((b) => b.id === id)) throw new GradedeskError('invalid', `The bundled backbone "${id}" cannot be removed.`);
    if (!this.stored.remove(id)) {
      throw new GradedeskError('not-found', `There is no backbone "${id}".`);
    }
  }

  /** Where the bundled and downloaded backbones are kept. */
  get backbonesDir(): string {
    return path.join(this.cacheDir, 'backbones');
  }

  /**
   * The model.json of a backbone on disk. Bundled backbones are extracted on first use; URL backbones
   * must have been downloaded (`download` in ./download) — they are never fetched implicitly.
   */
  async modelJsonPath(backbone: StoredBackbone): Promise<string> {
    if (backbone.source === 'bundled') return extractNsfwjsModel('mobilenet_v2', path.join(this.backbonesDir, backbone.id));
    if (backbone.source === 'file') return backbone.location;
    return path.join(this.backbonesDir, backbone.sha256!, 'model.json');
  }
}

function publicInfo({ sha256: _sha, size: _size, ...info }: StoredBackbone): BackboneInfo {
  return info;
}
