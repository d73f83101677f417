CREATE TABLE "events" (
	"study_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"body" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_study_id_participant_id_seq_pk" PRIMARY KEY("study_id","participant_id","seq")
);
--> statement-breakpoint
CREATE TABLE "model_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"study_id" text NOT NULL,
	"participant_id" text,
	"role" text NOT NULL,
	"model" text NOT NULL,
	"ok" boolean NOT NULL,
	"error_kind" text,
	"latency_ms" double precision NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"study_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"twin_of" text,
	"next_seq" integer DEFAULT 0 NOT NULL,
	"claimed_by" text,
	"claimed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_study_id_id_pk" PRIMARY KEY("study_id","id")
);
--> statement-breakpoint
CREATE TABLE "studies" (
	"id" text PRIMARY KEY NOT NULL,
	"config" jsonb NOT NULL,
	"config_hash" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_study_id_studies_id_fk" FOREIGN KEY ("study_id") REFERENCES "public"."studies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("study_id","type");--> statement-breakpoint
CREATE INDEX "model_calls_study_idx" ON "model_calls" USING btree ("study_id","role");--> statement-breakpoint
CREATE INDEX "participants_status_idx" ON "participants" USING btree ("study_id","status");