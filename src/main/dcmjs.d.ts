// The part of dcmjs (which ships no types) that Gradedesk uses: Part 10 reading and writing, and the data dictionary.
declare module 'dcmjs' {
  /** A data element as dcmjs keeps it: its VR and its values (strings, numbers, ArrayBuffers, or nested datasets for SQ). */
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
  }
  /** A dataset keyed by tag as 8 hex digits ("00100020"). */
  export type DenaturalizedDataset = Record<string, DicomElement>;
  /** A dataset keyed by keyword ("PatientID"), values unwrapped where single. */
  export type NaturalizedDataset = Record<string, unknown>;

  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    write(options?: { fragmentMultiframe?: boolean; allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
  }

  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomDict };
      DicomMetaDictionary: {
        naturalizeDataset(dataset: DenaturalizedDataset): NaturalizedDataset;
        denaturalizeDataset(dataset: NaturalizedDataset): DenaturalizedDataset;
        uid(): string;
        nameMap: Record<string, { tag: string; vr: string; name: string }>;
        dictionary: Record<string, { tag: string; vr: string; name: string }>;
      };
    };
    log: { setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void; getLogger?(name: string): { setLevel(level: string): void } };
  };
  export default dcmjs;
}
