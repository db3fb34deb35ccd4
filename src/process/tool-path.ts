/** The PATH every tool runs with, whatever Ganeti handed us (it resets PATH to /sbin:/bin:/usr/sbin:/usr/bin). */
export const TOOL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
