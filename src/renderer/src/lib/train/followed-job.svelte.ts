// Moved to lib/jobs; lib/review/similar.svelte.ts still imports it from here until Review's rewrite lands (issue 11).
export { FollowedJob } from '../jobs/followed-job.svelte';
