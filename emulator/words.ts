/** Vocabulary for the generated catalogue: plausible marketplace text, not lorem ipsum. */

export const CATEGORY_NAMES = [
  ['Document Processing', 'Read, split, convert and extract data from PDFs, Word files and scans.'],
  ['Data Extraction', 'Pull structured records out of semi-structured sources.'],
  ['Web Automation', 'Browse, scrape and fill in forms on web pages.'],
  ['DevOps', 'Deployments, CI pipelines, containers and infrastructure chores.'],
  ['Finance', 'Invoices, expenses, ledgers and financial reporting.'],
  ['Marketing', 'Campaigns, copywriting, SEO and audience analysis.'],
  ['Customer Support', 'Triage tickets, draft replies and track satisfaction.'],
  ['Analytics', 'Aggregate metrics, build reports and spot trends.'],
  ['Security', 'Scan for secrets, audit permissions and check dependencies.'],
  ['Productivity', 'Notes, calendars, reminders and everyday office work.'],
  ['Communication', 'Email, chat and notification workflows.'],
  ['Image Processing', 'Resize, caption, classify and clean up images.'],
  ['Audio & Speech', 'Transcribe, summarise and synthesise audio.'],
  ['Code Quality', 'Review diffs, lint, document and refactor code.'],
  ['Databases', 'Query, migrate and inspect SQL and NoSQL stores.'],
  ['Cloud Infrastructure', 'Manage buckets, functions and cloud accounts.'],
  ['HR & Recruiting', 'Screen resumes, schedule interviews and onboard staff.'],
  ['Sales', 'Enrich leads, update the CRM and prepare proposals.'],
  ['Legal', 'Review contracts, compare clauses and track obligations.'],
  ['Education', 'Build quizzes, explain topics and grade exercises.'],
  ['Healthcare', 'Summarise clinical notes and structure medical forms.'],
  ['E-commerce', 'Manage catalogues, orders and product descriptions.'],
  ['Research', 'Search papers, summarise findings and manage citations.'],
  ['Translation', 'Translate and localise text and documents.'],
  ['Scheduling', 'Find meeting slots and coordinate calendars.'],
  ['Social Media', 'Draft posts, monitor mentions and schedule content.'],
  ['Project Management', 'Track issues, sprints and status reports.'],
  ['Logistics', 'Track shipments, plan routes and manage inventory.'],
] as const;

export const SKILL_TYPES = ['python', 'prompt', 'api', 'workflow', 'nodejs'] as const;

export const SUBJECTS = [
  'PDF', 'CSV', 'Invoice', 'Email', 'Slack', 'GitHub Issue', 'Calendar', 'Receipt', 'Log File',
  'Screenshot', 'Spreadsheet', 'Contract', 'Meeting Notes', 'Webhook', 'S3 Bucket', 'Postgres',
  'Jira Ticket', 'Customer Review', 'Resume', 'Sitemap', 'Docker Image', 'Kubernetes Pod',
  'Markdown', 'JSON', 'XML Feed', 'Podcast', 'Product Listing', 'Support Ticket', 'Pull Request',
  'Stripe Payment', 'Salesforce Lead', 'Bank Statement', 'Purchase Order', 'YouTube Video',
] as const;

export const ASPECTS = [
  'Table', 'Text', 'Summary', 'Metadata', 'Sentiment', 'Entity', 'Schema', 'Diff', 'Keyword',
  'Language', 'Duplicate', 'Anomaly', 'Field', 'Link', 'Topic', 'Priority', 'Status', 'Change',
] as const;

export const ROLES = [
  'Extractor', 'Summarizer', 'Classifier', 'Validator', 'Converter', 'Analyzer', 'Monitor',
  'Generator', 'Translator', 'Deduplicator', 'Exporter', 'Scanner', 'Formatter', 'Router',
  'Tagger', 'Reporter', 'Cleaner', 'Checker',
] as const;

export const VERBS = [
  'extracts', 'summarises', 'classifies', 'validates', 'converts', 'analyses', 'watches',
  'normalises', 'indexes', 'reviews',
] as const;

export const BENEFITS = [
  'so you can skip the copy-and-paste.',
  'and hands the result to the next step of your workflow.',
  'with sensible defaults and clear error messages.',
  'in seconds, even for large inputs.',
  'and keeps a short audit trail of what it changed.',
  'and returns clean JSON ready for downstream tools.',
  'without sending data outside your workspace.',
] as const;

export const AUTHORS = [
  'atom-labs', 'dataforge', 'kestrel.dev', 'northwind-ai', 'maria.kovacs', 'pipeline-pals',
  'quillworks', 'tomasz.nowak', 'aiko.tanaka', 'openledger', 'brightpath', 'samir.haddad',
  'acme-automation', 'lena.fischer', 'stackwise', 'owl-analytics',
] as const;

export const TAGS = [
  'automation', 'ai', 'nlp', 'ocr', 'etl', 'reporting', 'productivity', 'integration', 'cli',
  'batch', 'realtime', 'llm', 'parsing', 'monitoring', 'compliance', 'open-source', 'beta',
] as const;

export const PYTHON_PACKAGES = [
  'requests>=2.31', 'pdfplumber>=0.10', 'pandas>=2.1', 'beautifulsoup4>=4.12', 'pydantic>=2.5',
  'openpyxl>=3.1', 'python-dateutil>=2.8', 'boto3>=1.34', 'httpx>=0.27', 'rapidfuzz>=3.6',
] as const;

export const NPM_PACKAGES = [
  'axios@^1.6.0', 'cheerio@^1.0.0', 'zod@^3.22.0', 'date-fns@^3.0.0', 'csv-parse@^5.5.0',
  'pdf-lib@^1.17.0', 'undici@^6.0.0', 'marked@^12.0.0',
] as const;

export const ENV_VARS = [
  'OPENAI_API_KEY', 'SLACK_BOT_TOKEN', 'GITHUB_TOKEN', 'AWS_REGION', 'DATABASE_URL',
  'JIRA_BASE_URL', 'SMTP_HOST', 'STRIPE_API_KEY',
] as const;

export const COMMENTS = [
  'Works great, saved me hours.', 'Does what it says.', 'Solid, but the docs could be clearer.',
  'Failed on a large input, otherwise fine.', 'Exactly what I needed for our weekly report.',
  'Setup took a while.', 'Nice defaults.', null,
] as const;
