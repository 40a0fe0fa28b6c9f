"""Spring Boot Actuator style management endpoints for Flask."""
