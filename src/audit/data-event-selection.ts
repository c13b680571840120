import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { DataEvents } from './data-events';

/**
 * The CloudTrail quota on advanced event selectors: at most this many values
 * across all conditions of all advanced event selectors of one trail.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html
 */
export const ADVANCED_EVENT_SELECTOR_VALUE_LIMIT = 500;

/** Values emitted by the management-events selector: eventCategory = [Management]. */
const MANAGEMENT_SELECTOR_VALUES = 1;
/** Fixed values of the ALL selector: eventCategory = [Data], resources.type = [AWS::S3::Object]. */
const ALL_SELECTOR_FIXED_VALUES = 2;
/** Fixed values of the WRITE_ONLY selector: the ALL ones plus readOnly = [false]. */
const WRITE_ONLY_SELECTOR_FIXED_VALUES = 3;

/** One bucket as recorded: the bucket and the broadest selection asked for it. */
interface RecordedBucket {
  readonly bucket: IBucket;
  readonly events: DataEvents;
}

/**
 * The set of buckets whose S3 data events a trail records, and the advanced
 * event selectors that express it.
 *
 * Buckets are keyed by their ARN string (a stable token for buckets in the
 * app, a literal for imported ones), so recording the same bucket twice never
 * emits a duplicate value; the broader selection (ALL over WRITE_ONLY over
 * NONE) wins.
 */
export class DataEventSelection {
  private readonly buckets = new Map<string, RecordedBucket>();

  /** Number of buckets whose data events are recorded (ALL or WRITE_ONLY). */
  public get size(): number {
    return this.buckets.size;
  }

  /** The selection currently recorded for the bucket, or NONE. */
  public eventsFor(bucket: IBucket): DataEvents {
    return this.buckets.get(bucket.bucketArn)?.events ?? DataEvents.NONE;
  }

  /**
   * The number of selector values the trail would emit if `bucket` were
   * recorded with `events` (after dedupe and broadening).
   */
  public valueCountWith(bucket: IBucket, events: DataEvents): number {
    const merged = broader(this.eventsFor(bucket), events);
    let all = 0;
    let writeOnly = 0;
    for (const [arn, recorded] of this.buckets) {
      const e = arn === bucket.bucketArn ? merged : recorded.events;
      if (e === DataEvents.ALL) { all++; } else if (e === DataEvents.WRITE_ONLY) { writeOnly++; }
    }
    if (!this.buckets.has(bucket.bucketArn)) {
      if (merged === DataEvents.ALL) { all++; } else if (merged === DataEvents.WRITE_ONLY) { writeOnly++; }
    }
    return countValues(all, writeOnly);
  }

  /** Record `bucket` with `events`; the broader of the old and new selection wins. */
  public record(bucket: IBucket, events: DataEvents): void {
    const merged = broader(this.eventsFor(bucket), events);
    if (merged === DataEvents.NONE) {
      return;
    }
    this.buckets.set(bucket.bucketArn, { bucket, events: merged });
  }

  /** The advanced event selectors for the trail; empty selectors are omitted. */
  public render(): CfnTrail.AdvancedEventSelectorProperty[] {
    const selectors: CfnTrail.AdvancedEventSelectorProperty[] = [{
      name: 'Management events',
      fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
    }];
    const all = this.bucketsWith(DataEvents.ALL);
    if (all.length > 0) {
      selectors.push({
        name: 'S3 data events (read and write)',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
          { field: 'resources.ARN', startsWith: all.map(objectArnPrefix) },
        ],
      });
    }
    const writeOnly = this.bucketsWith(DataEvents.WRITE_ONLY);
    if (writeOnly.length > 0) {
      selectors.push({
        name: 'S3 data events (write only)',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
          { field: 'readOnly', equalTo: ['false'] },
          { field: 'resources.ARN', startsWith: writeOnly.map(objectArnPrefix) },
        ],
      });
    }
    return selectors;
  }

  private bucketsWith(events: DataEvents): IBucket[] {
    return [...this.buckets.values()].filter(r => r.events === events).map(r => r.bucket);
  }
}

/**
 * Count exactly the values `render()` emits for the given bucket counts.
 */
export function countValues(allBuckets: number, writeOnlyBuckets: number): number {
  let total = MANAGEMENT_SELECTOR_VALUES;
  if (allBuckets > 0) {
    total += ALL_SELECTOR_FIXED_VALUES + allBuckets;
  }
  if (writeOnlyBuckets > 0) {
    total += WRITE_ONLY_SELECTOR_FIXED_VALUES + writeOnlyBuckets;
  }
  return total;
}

/** The object-ARN prefix that matches every object of the bucket (and no other bucket). */
function objectArnPrefix(bucket: IBucket): string {
  return `${bucket.bucketArn}/`;
}

const BREADTH: Record<DataEvents, number> = {
  [DataEvents.NONE]: 0,
  [DataEvents.WRITE_ONLY]: 1,
  [DataEvents.ALL]: 2,
};

function broader(a: DataEvents, b: DataEvents): DataEvents {
  return BREADTH[a] >= BREADTH[b] ? a : b;
}
