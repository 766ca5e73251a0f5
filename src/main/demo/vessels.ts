// The retinal vessel tree: arteries and veins leave the disc, the temporal ones arch around the macula,
// and every vessel branches, thins and wanders a little on its way to the periphery.

import type { Anatomy, FundusFrame, Point } from './anatomy';
import type { Random } from '../util/random';
import { Layer, absorb, strokePolyline, type Picture, type StrokePoint } from './raster';

export interface VesselNode extends Point {
  /** Half-width in fundus radii. */
  r: number;
}

export interface Vessel {
  kind: 'artery' | 'vein';
  /** 0 for a trunk leaving the disc, +1 for each branching. */
  order: number;
  nodes: VesselNode[];
  /** Node range [from, to) with venous beading. */
  beading?: { from: number; to: number };
}

const STEP = 0.012;
const MIN_HALF_WIDTH = 0.0018;
const MAX_ORDER = 3;
/** Vessels stop short of the foveal avascular zone. */
const AVASCULAR_RADIUS = 0.1;

interface Sprout {
  kind: Vessel['kind'];
  order: number;
  start: Point;
  heading: number;
  r: number;
  /** The heading the vessel turns towards at a point, and how fast it turns (radians per fundus radius). */
  course: (p: Point) => number;
  turnRate: number;
  length: number;
  /** +1 for the superior half of the retina, −1 for the inferior: temporal vessels never cross the raphe. */
  side: number;
}

const DEG = Math.PI / 180;

export function growVesselTree(random: Random, anatomy: Anatomy): Vessel[] {
  const vessels: Vessel[] = [];
  const fromDisc = (): Point => ({
    u: anatomy.disc.u + random.normal(0, 0.2) * anatomy.discRadius,
    v: anatomy.disc.v + random.normal(0, 0.2) * anatomy.discRadius,
  });
  for (const side of [1, -1]) {
    const arcade = arcadeCourse(anatomy, side, random.range(0.7, 0.9), random.range(0.36, 0.48));
    for (const kind of ['vein', 'artery'] as const) {
      const calibre = kind === 'vein' ? random.range(0.012, 0.014) : random.range(0.0085, 0.01);
      grow(random, anatomy, vessels, {
        kind, order: 0, side, start: fromDisc(), r: calibre,
        heading: side * random.range(70, 90) * DEG, course: arcade, turnRate: random.range(2.5, 3.5),
        length: random.range(1.3, 1.6),
      });
      const nasal = side * random.range(150, 175) * DEG;
      grow(random, anatomy, vessels, {
        kind, order: 0, side, start: fromDisc(), r: calibre * random.range(0.65, 0.8),
        heading: side * random.range(95, 120) * DEG, course: () => nasal, turnRate: random.range(1, 2),
        length: random.range(0.7, 1),
      });
    }
  }
  for (let k = random.int(2, 4); k > 0; k--) {
    const heading = random.range(-25, 25) * DEG;
    grow(random, anatomy, vessels, {
      kind: random.chance(0.5) ? 'vein' : 'artery', order: 2, side: Math.sign(heading) || 1, start: fromDisc(),
      r: random.range(0.0025, 0.0035), heading, course: () => heading, turnRate: 0.5, length: random.range(0.4, 0.6),
    });
  }
  return vessels;
}

/**
 * The temporal arcades follow an ellipse that starts at the disc, arches around the macula
 * (semi-axes a along the disc-fovea line, b across it) and closes towards the raphe.
 */
function arcadeCourse(anatomy: Anatomy, side: number, a: number, b: number): (p: Point) => number {
  const centre = { u: anatomy.disc.u + a, v: anatomy.fovea.v };
  return ({ u, v }) => {
    const qx = (u - centre.u) / a;
    const qy = (v - centre.v) / b;
    const phi = Math.atan2(qy, qx);
    const tangent = Math.atan2(-side * b * Math.cos(phi), side * a * Math.sin(phi));
    // Outside the ellipse the vessel bends inwards, inside it outwards.
    const drift = Math.max(-0.35, Math.min(0.35, Math.hypot(qx, qy) - 1));
    return tangent - side * drift;
  };
}

function grow(random: Random, anatomy: Anatomy, out: Vessel[], sprout: Sprout): void {
  let { u, v } = sprout.start;
  let { heading } = sprout;
  // Calibre lost at branchings; the rest of the thinning follows the length so every vessel fades out.
  let calibre = sprout.r;
  let r = calibre;
  let wander = 0;
  const nodes: VesselNode[] = [{ u, v, r }];
  const branchSpacing = 0.16 + 0.1 * sprout.order;
  for (let travelled = 0; travelled < sprout.length && r >= MIN_HALF_WIDTH; travelled += STEP) {
    const offCourse = sprout.course({ u, v }) - heading;
    const turn = Math.max(-1, Math.min(1, Math.atan2(Math.sin(offCourse), Math.cos(offCourse)))) * sprout.turnRate * STEP;
    wander = 0.92 * wander + random.normal(0, 1);
    heading += turn + wander * STEP;
    u += Math.cos(heading) * STEP;
    v += Math.sin(heading) * STEP;
    const t = travelled / sprout.length;
    r = calibre * (1 - 0.85 * t * t);
    nodes.push({ u, v, r });
    if (Math.hypot(u, v) > 1.02) break;
    const { fovea, disc, discRadius } = anatomy;
    if (Math.hypot(u - fovea.u, v - fovea.v) < AVASCULAR_RADIUS) break;
    if (u > fovea.u - 0.05 && sprout.side * (v - fovea.v) < 0.01) break;

    const onDisc = Math.hypot(u - disc.u, v - disc.v) < discRadius * 1.2;
    if (!onDisc && sprout.order < MAX_ORDER && random.chance(STEP / branchSpacing)) {
      const childR = r * random.range(0.45, 0.75);
      calibre *= random.range(0.86, 0.95);
      const childHeading = heading + random.pick([-1, 1]) * random.range(0.45, 1.1);
      grow(random, anatomy, out, {
        kind: sprout.kind,
        order: sprout.order + 1,
        side: sprout.side,
        start: { u, v },
        heading: childHeading,
        r: childR,
        course: () => childHeading,
        turnRate: 0.5,
        length: random.range(0.35, 0.8) * (1 - 0.2 * sprout.order),
      });
    }
  }
  if (nodes.length > 1) out.push({ kind: sprout.kind, order: sprout.order, nodes });
}

/** Blood absorbs green and blue far more than red; venous blood is darker. */
const VEIN_TRANSMISSION = [0.6, 0.3, 0.28] as const;
const ARTERY_TRANSMISSION = [0.78, 0.5, 0.48] as const;

/** Draws the vessels; beaded stretches of veins are also added to the lesion mask. */
export function drawVessels(picture: Picture, lesionMask: Layer, frame: FundusFrame, vessels: readonly Vessel[]): void {
  const veins = new Layer(picture.width, picture.height);
  const arteries = new Layer(picture.width, picture.height);
  for (const vessel of vessels) {
    const points = vessel.nodes.map((node) => toStrokePoint(frame, node));
    if (vessel.kind === 'artery') {
      strokePolyline(arteries, points, { rounded: true, reflex: true, intensity: 1 });
      continue;
    }
    if (!vessel.beading) {
      strokePolyline(veins, points, { rounded: true, reflex: false, intensity: 1 });
      continue;
    }
    const { from, to } = vessel.beading;
    strokePolyline(veins, points.slice(0, from + 1), { rounded: true, reflex: false, intensity: 1 });
    strokePolyline(veins, points.slice(to - 1), { rounded: true, reflex: false, intensity: 1 });
    const beads = bead(points.slice(from, to));
    strokePolyline(veins, beads, { rounded: true, reflex: false, intensity: 1 }, lesionMask);
  }
  absorb(picture, veins, VEIN_TRANSMISSION);
  absorb(picture, arteries, ARTERY_TRANSMISSION, 0.9);
}

function toStrokePoint(frame: FundusFrame, node: VesselNode): StrokePoint {
  const { x, y } = frame.toImage(node);
  return { x, y, r: node.r * frame.scale };
}

/** Resamples a stretch finely and swells and pinches its calibre like a string of sausages. */
function bead(points: readonly StrokePoint[]): StrokePoint[] {
  const out: StrokePoint[] = [];
  let along = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1]!;
    const b = points[k]!;
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    const steps = Math.max(1, Math.ceil(length / 0.5));
    for (let s = k === 1 ? 0 : 1; s <= steps; s++) {
      const t = s / steps;
      const r = a.r + (b.r - a.r) * t;
      const wavelength = Math.max(5, 9 * r);
      const swell = 1 + 0.45 * Math.sin((2 * Math.PI * (along + t * length)) / wavelength);
      out.push({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, r: Math.max(0.5, r * 1.15 * swell) });
    }
    along += length;
  }
  return out;
}
