// Diabetic retinopathy lesions by grade (international clinical scale):
//   1 mild NPDR: microaneurysms only;
//   2 moderate NPDR: more microaneurysms, blot haemorrhages, hard exudates, a few cotton-wool spots;
//   3 severe NPDR: many haemorrhages in all four quadrants, venous beading;
//   4 PDR: new vessels on or off the disc and a pre-retinal haemorrhage, on top of severe NPDR changes
//     (so lesion count and area grow with every grade).
// Lesions are planned in the anatomical frame and drawn in two passes: deep ones under the vessels,
// superficial ones over them. Every lesion pixel also goes into the lesion mask.

import type { Anatomy, FundusFrame, Point } from './anatomy';
import type { Random } from '../util/random';
import { Layer, absorb, cover, fillBlob, strokePolyline, type Picture, type Rgb, type Wobble } from './raster';
import type { Vessel, VesselNode } from './vessels';

/** A round or oval lesion, sizes in fundus radii, angle in the anatomical frame. */
interface Spot extends Point {
  r: number;
  /** Minor-to-major axis ratio. */
  aspect: number;
  angle: number;
  wobble: Wobble[];
  /** Edge falloff as a fraction of r. */
  softness: number;
  rim: number;
  intensity: number;
}

/** A haemorrhage under the posterior hyaloid: the cells settle, leaving a flat horizontal top. */
interface PreretinalHaemorrhage extends Point {
  halfWidth: number;
  depth: number;
  wobble: Wobble[];
}

export interface LesionPlan {
  microaneurysms: Spot[];
  haemorrhages: Spot[];
  hardExudates: Spot[];
  cottonWoolSpots: Spot[];
  /** Each tuft of new vessels is a set of fine tortuous loops. */
  newVessels: VesselNode[][][];
  preretinalHaemorrhages: PreretinalHaemorrhage[];
  /** Veins given a beaded stretch (marked on the vessels themselves). */
  venousBeading: number;
}

export type LesionCounts = Record<keyof LesionPlan, number>;

export function countLesions(plan: LesionPlan): LesionCounts {
  return {
    microaneurysms: plan.microaneurysms.length,
    haemorrhages: plan.haemorrhages.length,
    hardExudates: plan.hardExudates.length,
    cottonWoolSpots: plan.cottonWoolSpots.length,
    newVessels: plan.newVessels.length,
    preretinalHaemorrhages: plan.preretinalHaemorrhages.length,
    venousBeading: plan.venousBeading,
  };
}

type Range = readonly [number, number];

/** How many lesions of a kind each grade 0..4 has (at most; a site off the picture is skipped). */
const MICROANEURYSMS: readonly Range[] = [[0, 0], [3, 8], [8, 20], [15, 35], [15, 35]];
const HAEMORRHAGES_PER_QUADRANT: readonly Range[] = [[0, 0], [0, 0], [1, 3], [7, 13], [7, 13]];
const COTTON_WOOL_SPOTS: readonly Range[] = [[0, 0], [0, 0], [0, 2], [1, 5], [1, 5]];
const EXUDATE_CLUSTERS: readonly Range[] = [[0, 0], [0, 0], [1, 2], [1, 3], [1, 3]];
const EXUDATE_CHANCE = [0, 0, 0.75, 0.6, 0.6];
const BEADED_VEINS: readonly Range[] = [[0, 0], [0, 0], [0, 0], [2, 3], [2, 3]];

/** Plans the lesions of a grade. Marks beaded stretches on `vessels`. */
export function planLesions(
  random: Random, grade: number, anatomy: Anatomy, frame: FundusFrame, vessels: Vessel[],
): LesionPlan {
  const site = new SitePicker(random, anatomy, frame);
  const plan: LesionPlan = {
    microaneurysms: [], haemorrhages: [], hardExudates: [], cottonWoolSpots: [],
    newVessels: [], preretinalHaemorrhages: [], venousBeading: 0,
  };
  if (grade === 0) return plan;

  for (let k = random.int(...MICROANEURYSMS[grade]!); k > 0; k--) {
    const at = site.near(anatomy.fovea, 0.32, 0.02);
    if (at) plan.microaneurysms.push(microaneurysm(random, at));
  }
  if (grade === 1) return plan;

  // Severe NPDR has many haemorrhages in all four quadrants; moderate has fewer and smaller ones.
  const maxHaemorrhageRadius = grade === 2 ? 0.035 : 0.045;
  for (let quadrant = 0; quadrant < 4; quadrant++) {
    for (let k = random.int(...HAEMORRHAGES_PER_QUADRANT[grade]!); k > 0; k--) {
      const at = site.inQuadrant(quadrant, 0.05);
      if (at) plan.haemorrhages.push(haemorrhage(random, at, anatomy, maxHaemorrhageRadius));
    }
  }

  if (random.chance(EXUDATE_CHANCE[grade]!)) {
    for (let k = random.int(...EXUDATE_CLUSTERS[grade]!); k > 0; k--) plan.hardExudates.push(...exudateCluster(random, site, anatomy));
  }

  for (let k = random.int(...COTTON_WOOL_SPOTS[grade]!); k > 0; k--) {
    const at = site.alongVessel(vessels, 0.3);
    if (at) plan.cottonWoolSpots.push(cottonWoolSpot(random, at));
  }

  plan.venousBeading = markBeading(random, vessels, random.int(...BEADED_VEINS[grade]!));

  if (grade === 4) {
    for (let k = random.int(1, 2); k > 0; k--) {
      const onDisc = k === 1 && random.chance(0.6);
      const at = onDisc ? site.near(anatomy.disc, anatomy.discRadius * 0.8, 0.05, true) : site.alongVessel(vessels, 0.15);
      if (at) plan.newVessels.push(newVesselTuft(random, at));
    }
    const at = site.anywhere(0.62, 0.15);
    if (at) {
      const halfWidth = random.range(0.11, 0.22);
      plan.preretinalHaemorrhages.push({
        ...at, halfWidth, depth: halfWidth * random.range(0.5, 0.9), wobble: wobble(random, 0.12),
      });
    }
  }
  return plan;
}

function wobble(random: Random, amplitude: number): Wobble[] {
  return [2, 3, 5].map((order) => ({ order, amplitude: random.range(0, amplitude) / order * 2, phase: random.range(0, 2 * Math.PI) }));
}

function microaneurysm(random: Random, at: Point): Spot {
  return {
    ...at, r: random.range(0.005, 0.01), aspect: random.range(0.85, 1), angle: random.range(0, Math.PI),
    wobble: [], softness: 0.3, rim: 0.7, intensity: random.range(0.85, 1),
  };
}

function haemorrhage(random: Random, at: Point, anatomy: Anatomy, maxRadius: number): Spot {
  if (random.chance(0.2)) {
    // Flame haemorrhages lie in the nerve fibre layer, whose fibres run roughly radially from the disc.
    return {
      ...at, r: random.range(0.025, 0.05), aspect: random.range(0.25, 0.4),
      angle: Math.atan2(at.v - anatomy.disc.v, at.u - anatomy.disc.u),
      wobble: wobble(random, 0.08), softness: 0.35, rim: 0.25, intensity: random.range(0.75, 0.9),
    };
  }
  const dot = random.chance(0.3);
  return {
    ...at, r: dot ? random.range(0.009, 0.015) : random.range(0.014, maxRadius), aspect: random.range(0.65, 1),
    angle: random.range(0, Math.PI), wobble: wobble(random, dot ? 0.05 : 0.14), softness: 0.2, rim: 0.55,
    intensity: random.range(0.8, 1),
  };
}

/** Hard exudates gather near the macula, often as a circinate ring around leaking microaneurysms. */
function exudateCluster(random: Random, site: SitePicker, anatomy: Anatomy): Spot[] {
  const centre = site.near(anatomy.fovea, 0.18, 0.12);
  if (!centre) return [];
  const spots: Spot[] = [];
  const ring = random.chance(0.55);
  const ringRadius = random.range(0.04, 0.09);
  for (let k = random.int(8, ring ? 24 : 16); k > 0; k--) {
    let at: Point;
    if (ring) {
      const angle = random.range(0, 2 * Math.PI);
      const radius = ringRadius * random.normal(1, 0.12);
      at = { u: centre.u + radius * Math.cos(angle), v: centre.v + radius * Math.sin(angle) };
    } else {
      at = { u: centre.u + random.normal(0, 0.03), v: centre.v + random.normal(0, 0.03) };
    }
    if (!site.accepts(at, 0.04)) continue;
    spots.push({
      ...at, r: random.range(0.004, 0.011), aspect: random.range(0.6, 1), angle: random.range(0, Math.PI),
      wobble: wobble(random, 0.15), softness: 0.25, rim: 0.75, intensity: random.range(0.75, 0.95),
    });
  }
  return spots;
}

function cottonWoolSpot(random: Random, at: Point): Spot {
  return {
    ...at, r: random.range(0.028, 0.05), aspect: random.range(0.5, 0.8), angle: random.range(0, Math.PI),
    wobble: wobble(random, 0.25), softness: 0.7, rim: 0.2, intensity: random.range(0.55, 0.75),
  };
}

/** Fine loops curling out from one point, like a sea fan. */
function newVesselTuft(random: Random, at: Point): VesselNode[][] {
  const loops: VesselNode[][] = [];
  const step = 0.005;
  for (let k = random.int(7, 14); k > 0; k--) {
    let u = at.u + random.normal(0, 0.008);
    let v = at.v + random.normal(0, 0.008);
    let heading = random.range(0, 2 * Math.PI);
    const curl = random.pick([-1, 1]) * random.range(6, 16);
    const r = random.range(0.0022, 0.0032);
    const loop: VesselNode[] = [{ u, v, r }];
    for (let s = random.int(14, 34); s > 0 && Math.hypot(u, v) < LESION_FIELD; s--) {
      heading += (curl + random.normal(0, 30)) * step;
      u += Math.cos(heading) * step;
      v += Math.sin(heading) * step;
      loop.push({ u, v, r });
    }
    loops.push(loop);
  }
  return loops;
}

/** Chooses veins of medium calibre, preferably in different quadrants, and marks a stretch of each. */
function markBeading(random: Random, vessels: Vessel[], count: number): number {
  const quadrantOf = (n: VesselNode) => (n.u >= 0 ? 0 : 1) + (n.v >= 0 ? 0 : 2);
  const used = new Set<number>();
  let marked = 0;
  for (let attempt = 0; attempt < 60 && marked < count; attempt++) {
    const vein = random.pick(vessels);
    if (vein.kind !== 'vein' || vein.beading || vein.order > 2) continue;
    const candidates = vein.nodes
      .map((node, index) => ({ node, index }))
      .filter(({ node }) => node.r > 0.004 && node.r < 0.0105 && Math.hypot(node.u, node.v) < 0.85);
    const length = random.int(9, 16);
    if (candidates.length < length + 2) continue;
    const start = candidates[random.int(0, candidates.length - length - 1)]!;
    const quadrant = quadrantOf(start.node);
    if (used.has(quadrant) && attempt < 40) continue;
    used.add(quadrant);
    vein.beading = { from: start.index, to: Math.min(vein.nodes.length, start.index + length) };
    marked++;
  }
  return marked;
}

/** Lesions lie within this radius (fundus radii), whatever their size. */
const LESION_FIELD = 0.92;

/** Rejection sampling of lesion sites that are visible and off the optic disc. */
class SitePicker {
  constructor(private readonly random: Random, private readonly anatomy: Anatomy, private readonly frame: FundusFrame) {}

  accepts(p: Point, margin: number): boolean {
    const { disc, discRadius } = this.anatomy;
    return this.isInside(p, margin) && Math.hypot(p.u - disc.u, p.v - disc.v) > discRadius * 1.25;
  }

  /** Visible, and clear of the dark rim of the field where a lesion could not be seen. */
  private isInside(p: Point, margin: number): boolean {
    return this.frame.isVisible(p, margin) && Math.hypot(p.u, p.v) < LESION_FIELD - margin;
  }

  private sample(draw: () => Point, margin: number, acceptDisc = false): Point | null {
    for (let attempt = 0; attempt < 40; attempt++) {
      const p = draw();
      if (acceptDisc ? this.isInside(p, margin) : this.accepts(p, margin)) return p;
    }
    return null;
  }

  near(centre: Point, spread: number, margin: number, onDisc = false): Point | null {
    return this.sample(() => ({ u: centre.u + this.random.normal(0, spread), v: centre.v + this.random.normal(0, spread) }), margin, onDisc);
  }

  anywhere(maxRadius: number, margin: number): Point | null {
    return this.sample(() => {
      const radius = maxRadius * Math.sqrt(this.random.next());
      const angle = this.random.range(0, 2 * Math.PI);
      return { u: radius * Math.cos(angle), v: radius * Math.sin(angle) };
    }, margin);
  }

  /** Quadrants 0..3 around the fundus centre: superotemporal, superonasal, inferonasal, inferotemporal. */
  inQuadrant(quadrant: number, margin: number): Point | null {
    return this.sample(() => {
      const radius = this.random.range(0.15, 0.9);
      const angle = (quadrant + this.random.next()) * Math.PI / 2;
      return { u: radius * Math.cos(angle), v: radius * Math.sin(angle) };
    }, margin);
  }

  /** Beside a large vessel. */
  alongVessel(vessels: readonly Vessel[], margin: number): Point | null {
    const large = vessels.filter((v) => v.order <= 1);
    return this.sample(() => {
      const node = this.random.pick(this.random.pick(large).nodes);
      return { u: node.u + this.random.normal(0, 0.02), v: node.v + this.random.normal(0, 0.02) };
    }, margin);
  }
}

const BLOOD: Rgb = [0.6, 0.24, 0.2];
/** Pre-retinal blood lies in front of the retina and hides the vessels, so it covers rather than tints. */
const PRERETINAL_BLOOD: Rgb = [0.4, 0.07, 0.05];
const NEW_VESSEL: Rgb = [0.72, 0.3, 0.28];

export function drawDeepLesions(picture: Picture, lesionMask: Layer, frame: FundusFrame, plan: LesionPlan, random: Random): void {
  const blood = new Layer(picture.width, picture.height);
  for (const spot of [...plan.microaneurysms, ...plan.haemorrhages]) drawSpot(blood, lesionMask, frame, spot);
  absorb(picture, blood, BLOOD);

  const exudates = new Layer(picture.width, picture.height);
  for (const spot of plan.hardExudates) drawSpot(exudates, lesionMask, frame, spot);
  cover(picture, exudates, [random.range(0.93, 1), random.range(0.84, 0.93), random.range(0.38, 0.55)]);
}

export function drawSuperficialLesions(picture: Picture, lesionMask: Layer, frame: FundusFrame, plan: LesionPlan, random: Random): void {
  const cottonWool = new Layer(picture.width, picture.height);
  for (const spot of plan.cottonWoolSpots) drawSpot(cottonWool, lesionMask, frame, spot);
  cover(picture, cottonWool, [random.range(0.9, 0.97), random.range(0.82, 0.9), random.range(0.7, 0.8)]);

  const newVessels = new Layer(picture.width, picture.height);
  for (const tuft of plan.newVessels) {
    for (const loop of tuft) {
      const points = loop.map((node) => ({ ...frame.toImage(node), r: node.r * frame.scale }));
      strokePolyline(newVessels, points, { rounded: false, reflex: false, intensity: 0.9 }, lesionMask);
    }
  }
  absorb(picture, newVessels, NEW_VESSEL);

  const preretinal = new Layer(picture.width, picture.height);
  for (const h of plan.preretinalHaemorrhages) {
    const { x, y } = frame.toImage(h);
    const rx = h.halfWidth * frame.scale;
    fillBlob(preretinal, {
      x, y, rx, ry: h.depth * frame.scale, angle: 0, wobble: h.wobble,
      softness: Math.max(1.5, 0.05 * rx), rim: 0.85, intensity: 0.95, flatTopY: y,
    }, lesionMask);
  }
  cover(picture, preretinal, PRERETINAL_BLOOD);
}

function drawSpot(layer: Layer, lesionMask: Layer, frame: FundusFrame, spot: Spot): void {
  const { x, y } = frame.toImage(spot);
  const rx = spot.r * frame.scale;
  fillBlob(layer, {
    x, y, rx, ry: rx * spot.aspect, angle: frame.toImageAngle(spot.angle), wobble: spot.wobble,
    softness: Math.max(1, spot.softness * rx), rim: spot.rim, intensity: spot.intensity,
  }, lesionMask);
}
